import { defaultFormatRegistry, defaultPassRegistry, formatTable } from '@collabopt/core';
import { print, type CliIo } from '../io';

/** `collabopt passes`: every registered pass with its options. */
export function passesCommand(io: CliIo): void {
  for (const def of defaultPassRegistry.list().sort((a, b) => a.name.localeCompare(b.name))) {
    const drops = def.drops?.length ? `  (drops ${def.drops.join(', ')})` : '';
    print(io, `${def.name}: ${def.description}${drops}`);
    const rows = Object.entries(def.options).map(([name, spec]) => [
      `  ${name}`,
      spec.kind === 'enum' ? (spec.values ?? []).join('|') : spec.kind,
      spec.default === undefined ? (spec.optional ? '' : 'required') : JSON.stringify(spec.default),
      spec.description,
    ]);
    if (rows.length > 0) print(io, formatTable(['  option', 'type', 'default', 'meaning'], rows));
  }
}

/** `collabopt formats`: every registered format. */
export function formatsCommand(io: CliIo): void {
  const rows = defaultFormatRegistry
    .list()
    .map((f) => [
      f.name,
      f.extensions.join(' '),
      [f.read ? 'read' : '', f.write ? 'write' : ''].filter(Boolean).join('+'),
      f.description,
    ]);
  print(io, formatTable(['format', 'extensions', 'can', 'description'], rows));
}
