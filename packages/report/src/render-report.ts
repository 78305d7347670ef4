import { InvalidArgumentError } from '@collabopt/core';
import { renderHtml } from './render-html';
import type { ReportModel } from './report-model';

export type ReportFormat = 'html' | 'json';

/** The report format a file name asks for: `.html`/`.htm` or `.json`. */
export function reportFormatOf(file: string): ReportFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  if (lower.endsWith('.json')) return 'json';
  throw new InvalidArgumentError(
    `report file "${file}" must end in .html or .json (the HTML page or the report model as JSON)`,
    { field: '--report' },
  );
}

/** The report as the text of a file: the HTML page, or the model as indented JSON. */
export async function renderReport(model: ReportModel, format: ReportFormat): Promise<string> {
  return format === 'html' ? renderHtml(model) : `${JSON.stringify(model, null, 2)}\n`;
}
