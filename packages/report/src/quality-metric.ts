/**
 * What a report's quality figures measure. With labelled test data: top-1 `accuracy`. Without
 * labels the leaves are compared with the float model: top-1 `agreement` with its predictions
 * (classifiers) or the lowest per-output `sqnrDb` (other heads). Tables, charts and axes take
 * their wording and number format from here, so an agreement is never called an accuracy.
 */
export type QualityMetric = 'accuracy' | 'agreement' | 'sqnrDb';

export interface QualityMetricText {
  /** `accuracy`, `agreement`, `SQNR`. */
  readonly name: string;
  /** Column-header abbreviation: `acc`, `agr`, `SQNR`. */
  readonly short: string;
  /** Chart axis title, with the unit. */
  readonly axisTitle: string;
  /** Sentence fragment for explanations. */
  readonly description: string;
  /** The value as a chart coordinate (percent for fractions, dB as is). */
  chartValue(value: number): number;
  /** The value as table text (`98.71%`, `31.4 dB`); empty when unknown. */
  format(value?: number): string;
}

const percent = (value?: number): string =>
  value === undefined || !Number.isFinite(value) ? '' : `${(value * 100).toFixed(2)}%`;

const TEXTS: Readonly<Record<QualityMetric, QualityMetricText>> = {
  accuracy: {
    name: 'accuracy',
    short: 'acc',
    axisTitle: 'accuracy (%)',
    description: 'top-1 accuracy on the labelled test data',
    chartValue: (v) => v * 100,
    format: percent,
  },
  agreement: {
    name: 'agreement',
    short: 'agr',
    axisTitle: 'agreement with the float model (%)',
    description:
      'top-1 agreement with the float model on the test data (it has no labels, so no accuracy)',
    chartValue: (v) => v * 100,
    format: percent,
  },
  sqnrDb: {
    name: 'SQNR',
    short: 'SQNR',
    axisTitle: 'output SQNR against the float model (dB)',
    description:
      'the lowest output SQNR against the float model on the test data (it has no labels, so no accuracy)',
    chartValue: (v) => v,
    format: (v) => (v === undefined || !Number.isFinite(v) ? '' : `${v.toFixed(1)} dB`),
  },
};

/** The wording and number format of a quality metric (accuracy when not said). */
export function qualityMetricText(metric: QualityMetric = 'accuracy'): QualityMetricText {
  return TEXTS[metric];
}
