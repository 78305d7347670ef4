/**
 * The per-pass option forms: one fieldset per pipeline step, its fields generated from the pass's
 * option schema (number and integer inputs with their range, checkboxes, enum selects, text for
 * strings and lists; defaults shown), writing the pipeline text the user could have typed.
 */
import type { OptionSpec, OptionValue } from '@collabopt/core';
import { formatOptionValue, formatPipeline, optionValueFromText } from './pipeline-text';
import type { PassCatalogueEntry } from './protocol';

interface Step {
  readonly name: string;
  readonly values: Record<string, OptionValue | undefined>;
}

function rangeText(spec: OptionSpec): string {
  const lo = spec.min === undefined ? '' : `${spec.exclusiveMin ? '>' : '≥'} ${spec.min}`;
  const hi = spec.max === undefined ? '' : `${spec.exclusiveMax ? '<' : '≤'} ${spec.max}`;
  return [lo, hi].filter(Boolean).join(', ');
}

/** The input element of one option, generated from its spec. */
function field(
  key: string,
  spec: OptionSpec,
  value: OptionValue | undefined,
  onChange: (v: OptionValue | undefined) => void,
): HTMLElement {
  const label = document.createElement('label');
  label.className = 'option';
  label.title = spec.description;
  label.dataset['option'] = key;
  const name = document.createElement('span');
  const range = rangeText(spec);
  name.textContent = `${key}${range ? ` (${range})` : ''}`;
  label.appendChild(name);
  let input: HTMLInputElement | HTMLSelectElement;
  if (spec.kind === 'enum') {
    const select = document.createElement('select');
    const fallback = document.createElement('option');
    fallback.value = '';
    fallback.textContent =
      spec.default !== undefined ? `${String(spec.default)} (default)` : '(not set)';
    select.appendChild(fallback);
    for (const v of spec.values ?? []) {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = v;
      select.appendChild(o);
    }
    select.value = typeof value === 'string' ? value : '';
    input = select;
  } else if (spec.kind === 'boolean') {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = (value ?? spec.default) === true;
    input = box;
  } else {
    const text = document.createElement('input');
    if (spec.kind === 'number' || spec.kind === 'integer') {
      text.type = 'number';
      text.step = spec.kind === 'integer' ? '1' : 'any';
      if (spec.min !== undefined) text.min = String(spec.min);
      if (spec.max !== undefined) text.max = String(spec.max);
    } else text.type = 'text';
    text.placeholder = spec.default !== undefined ? formatOptionValue(spec.default) : '';
    text.value = value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);
    input = text;
  }
  input.name = key;
  input.addEventListener(input instanceof HTMLSelectElement ? 'change' : 'input', () => {
    if (input instanceof HTMLInputElement && input.type === 'checkbox') onChange(input.checked);
    else onChange(optionValueFromText(spec, input.value));
  });
  label.appendChild(input);
  return label;
}

/**
 * Mount the forms into `root`: a pass picker and "add step", one fieldset per step with its
 * fields and a remove button. Every change calls `onPipeline` with the new pipeline text.
 */
export function mountPassForms(
  root: HTMLElement,
  passes: readonly PassCatalogueEntry[],
  onPipeline: (text: string) => void,
): void {
  const byName = new Map(passes.map((p) => [p.name, p]));
  const steps: Step[] = [];
  root.textContent = '';
  const picker = document.createElement('select');
  picker.id = 'pass-picker';
  for (const p of passes) {
    const o = document.createElement('option');
    o.value = p.name;
    o.textContent = p.name;
    o.title = p.description;
    picker.appendChild(o);
  }
  const add = document.createElement('button');
  add.type = 'button';
  add.id = 'add-step';
  add.textContent = 'add step';
  const list = document.createElement('div');
  list.id = 'steps';
  const emit = (): void =>
    onPipeline(formatPipeline(steps, (name) => byName.get(name)?.options ?? {}));
  const render = (): void => {
    list.textContent = '';
    steps.forEach((step, i) => {
      const pass = byName.get(step.name)!;
      const set = document.createElement('fieldset');
      set.dataset['pass'] = step.name;
      const legend = document.createElement('legend');
      legend.textContent = `${i + 1}. ${step.name}`;
      legend.title = pass.description;
      set.appendChild(legend);
      for (const [key, spec] of Object.entries(pass.options))
        set.appendChild(
          field(key, spec, step.values[key], (v) => {
            step.values[key] = v;
            emit();
          }),
        );
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'remove';
      remove.textContent = 'remove';
      remove.addEventListener('click', () => {
        steps.splice(i, 1);
        render();
        emit();
      });
      set.appendChild(remove);
      list.appendChild(set);
    });
  };
  add.addEventListener('click', () => {
    steps.push({ name: picker.value, values: {} });
    render();
    emit();
  });
  root.append(picker, add, list);
}
