import type { SimdArgs, SimdKernelName, SimdParam } from './simd/simd-kernels';
import type { HeapSimd } from './wasm-heap';

/** Contiguous image ranges for `parts` threads (fewer when there are fewer images), sizes ±1. */
export function imageRanges(n: number, parts: number): { start: number; count: number }[] {
  const k = Math.max(1, Math.min(parts, n));
  const ranges: { start: number; count: number }[] = [];
  for (let i = 0, start = 0; i < k; i++) {
    const count = Math.floor(n / k) + (i < n % k ? 1 : 0);
    ranges.push({ start, count });
    start += count;
  }
  return ranges;
}

/** How a kernel's batched arguments move per image: its image-count parameter and byte strides. */
export interface ImageSplit<K extends SimdKernelName> {
  /** The parameter holding the number of images. */
  readonly batch: SimdParam<K>;
  /** Bytes per image of every argument that points at batched data. */
  readonly perImage: Partial<Record<SimdParam<K>, number>>;
}

function callsFor<K extends SimdKernelName>(
  args: SimdArgs<K>,
  split: ImageSplit<K>,
  ranges: readonly { start: number; count: number }[],
): Record<string, number>[] {
  return ranges.map(({ start, count }) => {
    const call: Record<string, number> = { ...(args as Record<string, number>) };
    call[split.batch] = count;
    for (const [p, bytes] of Object.entries(split.perImage) as [string, number][])
      call[p] = call[p]! + start * bytes;
    return call;
  });
}

/**
 * Run a kernel whose output for an image depends only on that image (input gradients, pooling
 * gradients) split by images across the SIMD threads; one call where there is one thread.
 */
export function runByImages<K extends SimdKernelName>(
  simd: HeapSimd,
  name: K,
  args: SimdArgs<K>,
  split: ImageSplit<K>,
): void {
  const ranges = imageRanges((args as Record<string, number>)[split.batch]!, simd.threads());
  if (ranges.length === 1) {
    (simd.kernels[name] as (a: SimdArgs<K>) => void)(args);
    return;
  }
  simd.parallel(name, callsFor(args, split, ranges) as unknown as SimdArgs<K>[]);
}

/**
 * Run a kernel that sums over the images into its output `out` (`outFloats` floats: filter
 * gradients) split by images across the SIMD threads: every part but the first writes its own
 * sum to scratch memory, which is then added into the output.
 */
export function runByImagesSummed<K extends SimdKernelName>(
  simd: HeapSimd,
  name: K,
  args: SimdArgs<K>,
  split: ImageSplit<K> & { readonly out: SimdParam<K>; readonly outFloats: number },
): void {
  const ranges = imageRanges((args as Record<string, number>)[split.batch]!, simd.threads());
  if (ranges.length === 1) {
    (simd.kernels[name] as (a: SimdArgs<K>) => void)(args);
    return;
  }
  const bytes = split.outFloats * 4;
  const scratch = simd.malloc(bytes * (ranges.length - 1));
  try {
    const calls = callsFor(args, split, ranges);
    for (let i = 1; i < calls.length; i++) calls[i]![split.out] = scratch + (i - 1) * bytes;
    simd.parallel(name, calls as unknown as SimdArgs<K>[]);
    const dst = (args as Record<string, number>)[split.out]!;
    for (let i = 1; i < calls.length; i++)
      simd.kernels.addInto({ dst, src: scratch + (i - 1) * bytes, n: split.outFloats });
  } finally {
    simd.free(scratch);
  }
}
