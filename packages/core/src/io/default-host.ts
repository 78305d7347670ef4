import type { IoHost } from './io-host';
import { NodeIoHost } from './node-io';

/** Under Node the default host is the file system. */
export function createDefaultIoHost(): IoHost {
  return new NodeIoHost();
}
