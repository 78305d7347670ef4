/** TFLite INT4 tensors use the shared 4-bit packing of core (low nibble first, two's complement). */
export { packInt4, unpackInt4 } from '@collabopt/core';
