/**
 * The `node:path` functions the bundled packages call (basename, dirname, extname, join,
 * resolve), for the browser's in-memory file system, whose paths are POSIX.
 */
export const sep = '/';

function normalize(p: string): string {
  const absolute = p.startsWith('/');
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!absolute) parts.push('..');
    } else parts.push(s);
  }
  const joined = parts.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

export function basename(p: string, ext?: string): string {
  const base = p.replace(/\/+$/, '').split('/').pop() ?? '';
  return ext !== undefined && base.endsWith(ext) && base !== ext
    ? base.slice(0, -ext.length)
    : base;
}

export function dirname(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : trimmed.slice(0, i);
}

export function extname(p: string): string {
  const base = basename(p);
  const i = base.lastIndexOf('.');
  return i <= 0 ? '' : base.slice(i);
}

export function join(...parts: string[]): string {
  return normalize(parts.filter((s) => s !== '').join('/'));
}

export function resolve(...parts: string[]): string {
  let out = '';
  for (const p of parts) out = p.startsWith('/') ? p : `${out}/${p}`;
  return normalize(out.startsWith('/') ? out : `/${out}`);
}

export const posix = { sep, basename, dirname, extname, join, resolve };
