import { createDefaultIoHost } from './default-host';
import type { IoHost } from './io-host';

let current: IoHost | undefined;

/**
 * The host core uses when a caller passes none: the Node host under Node; in a browser bundle
 * (the package's `browser` field maps `default-host` to `default-host.browser`) the in-memory one.
 */
export function getIoHost(): IoHost {
  current ??= createDefaultIoHost();
  return current;
}

/** Replace the default host (e.g. an in-memory host in a browser or a test). Returns the old one. */
export function setIoHost(host: IoHost | undefined): IoHost | undefined {
  const old = current;
  current = host;
  return old;
}
