import type { IoHost } from './io-host';
import { MemoryIoHost } from './memory-io';

/** In a browser there is no file system: the default host keeps files in memory. */
export function createDefaultIoHost(): IoHost {
  return new MemoryIoHost();
}
