import { invalid, truncated } from '../errors';

/**
 * A bounds-checked view of flatbuffer bytes. Every read checks its range first, so corrupt or
 * truncated input raises a typed error instead of reading garbage or throwing a RangeError.
 */
export class FlatView {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  readonly file: string | undefined;

  constructor(bytes: Uint8Array, file?: string) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.file = file;
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  /** Throws unless [pos, pos + size) lies inside the buffer. */
  check(pos: number, size: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0)
      throw invalid(`${what} at negative or bad position ${pos}`, undefined, this.file);
    if (pos + size > this.bytes.byteLength)
      throw truncated(`${what} (bytes ${pos}..${pos + size})`, pos, this.file);
  }

  u8(pos: number, what = 'byte'): number {
    this.check(pos, 1, what);
    return this.dv.getUint8(pos);
  }
  i8(pos: number, what = 'byte'): number {
    this.check(pos, 1, what);
    return this.dv.getInt8(pos);
  }
  u16(pos: number, what = 'uint16'): number {
    this.check(pos, 2, what);
    return this.dv.getUint16(pos, true);
  }
  i32(pos: number, what = 'int32'): number {
    this.check(pos, 4, what);
    return this.dv.getInt32(pos, true);
  }
  u32(pos: number, what = 'uint32'): number {
    this.check(pos, 4, what);
    return this.dv.getUint32(pos, true);
  }
  f32(pos: number, what = 'float'): number {
    this.check(pos, 4, what);
    return this.dv.getFloat32(pos, true);
  }
  i64(pos: number, what = 'int64'): bigint {
    this.check(pos, 8, what);
    return this.dv.getBigInt64(pos, true);
  }
  u64(pos: number, what = 'uint64'): bigint {
    this.check(pos, 8, what);
    return this.dv.getBigUint64(pos, true);
  }

  /** Follow the uoffset stored at `pos`. */
  follow(pos: number, what: string): number {
    const target = pos + this.u32(pos, `offset to ${what}`);
    if (target >= this.bytes.byteLength)
      throw invalid(`offset to ${what} at ${pos} points past the end (${target})`, pos, this.file);
    return target;
  }

  /** The root table (after checking the "TFL3"-style identifier is left to the caller). */
  root(what: string): FlatTable {
    return new FlatTable(this, this.follow(0, what), what);
  }
}

/** A vector located in the buffer: element count and position of the first element. */
export interface FlatVector {
  readonly start: number;
  readonly length: number;
}

/** A table: fields looked up through its vtable, each access bounds-checked. */
export class FlatTable {
  private readonly vtable: number;
  private readonly vtableSize: number;
  private readonly tableSize: number;

  constructor(
    readonly view: FlatView,
    readonly pos: number,
    readonly what: string,
  ) {
    const vt = pos - view.i32(pos, `${what} vtable offset`);
    view.check(vt, 4, `${what} vtable`);
    this.vtable = vt;
    this.vtableSize = view.u16(vt);
    this.tableSize = view.u16(vt + 2);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0)
      throw invalid(`${what} vtable has size ${this.vtableSize}`, vt, view.file);
    view.check(vt, this.vtableSize, `${what} vtable`);
    view.check(pos, Math.max(4, this.tableSize), `${what} table`);
  }

  /** Byte position of field `id`, or 0 when absent. */
  field(id: number, size: number): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtableSize) return 0;
    const off = this.view.u16(this.vtable + slot);
    if (off === 0) return 0;
    if (off < 4 || off + size > this.tableSize) {
      throw invalid(
        `${this.what} field ${id} at offset ${off} lies outside its table (${this.tableSize} bytes)`,
        this.pos,
        this.view.file,
      );
    }
    return this.pos + off;
  }

  has(id: number): boolean {
    return this.field(id, 1) !== 0;
  }

  u8(id: number, def = 0): number {
    const p = this.field(id, 1);
    return p === 0 ? def : this.view.u8(p);
  }
  i8(id: number, def = 0): number {
    const p = this.field(id, 1);
    return p === 0 ? def : this.view.i8(p);
  }
  bool(id: number, def = false): boolean {
    const p = this.field(id, 1);
    return p === 0 ? def : this.view.u8(p) !== 0;
  }
  i32(id: number, def = 0): number {
    const p = this.field(id, 4);
    return p === 0 ? def : this.view.i32(p);
  }
  u32(id: number, def = 0): number {
    const p = this.field(id, 4);
    return p === 0 ? def : this.view.u32(p);
  }
  f32(id: number, def = 0): number {
    const p = this.field(id, 4);
    return p === 0 ? def : this.view.f32(p);
  }
  u64(id: number, def = 0n): bigint {
    const p = this.field(id, 8);
    return p === 0 ? def : this.view.u64(p);
  }

  table(id: number, what: string): FlatTable | undefined {
    const p = this.field(id, 4);
    return p === 0 ? undefined : new FlatTable(this.view, this.view.follow(p, what), what);
  }

  string(id: number, what: string): string | undefined {
    const v = this.vector(id, 1, what);
    if (v === undefined) return undefined;
    return new TextDecoder('utf-8').decode(this.view.bytes.subarray(v.start, v.start + v.length));
  }

  /** A vector field whose elements are `elementSize` bytes (4 for offsets to tables). */
  vector(id: number, elementSize: number, what: string): FlatVector | undefined {
    const p = this.field(id, 4);
    if (p === 0) return undefined;
    const at = this.view.follow(p, what);
    const length = this.view.u32(at, `${what} length`);
    this.view.check(at + 4, length * elementSize, `${what} (${length} elements)`);
    return { start: at + 4, length };
  }

  tables(id: number, what: string): FlatTable[] {
    const v = this.vector(id, 4, what);
    if (v === undefined) return [];
    const out: FlatTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      out.push(new FlatTable(this.view, this.view.follow(p, `${what}[${i}]`), `${what}[${i}]`));
    }
    return out;
  }

  i32s(id: number, what: string): number[] {
    const v = this.vector(id, 4, what);
    if (v === undefined) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.view.i32(v.start + 4 * i);
    return out;
  }

  f32s(id: number, what: string): Float32Array | undefined {
    const v = this.vector(id, 4, what);
    if (v === undefined) return undefined;
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.view.f32(v.start + 4 * i);
    return out;
  }

  i64s(id: number, what: string): bigint[] | undefined {
    const v = this.vector(id, 8, what);
    if (v === undefined) return undefined;
    const out = new Array<bigint>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.view.i64(v.start + 8 * i);
    return out;
  }

  u16s(id: number, what: string): number[] {
    const v = this.vector(id, 2, what);
    if (v === undefined) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.view.u16(v.start + 2 * i);
    return out;
  }

  /** A byte vector as a view (no copy). */
  bytes(id: number, what: string): Uint8Array | undefined {
    const v = this.vector(id, 1, what);
    return v === undefined ? undefined : this.view.bytes.subarray(v.start, v.start + v.length);
  }
}
