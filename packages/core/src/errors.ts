/**
 * Typed errors. Every error raised by collabopt carries a stable `code` that scripts can
 * match on, a message that says what is wrong and where, and (when known) the location:
 * file, node, weight or field.
 */

export interface ErrorLocation {
  /** File the problem was found in. */
  file?: string;
  /** Graph node (layer) name. */
  node?: string;
  /** Weight slot or attribute/field name. */
  field?: string;
  /** Pass name, when raised while running a pipeline. */
  pass?: string;
  /** Byte offset or character position, when meaningful. */
  position?: number;
}

export class CollaboptError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;
  /** The message without the location suffix. */
  readonly detail: string;

  constructor(
    code: string,
    message: string,
    location: ErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    super(withLocation(message, location), options);
    this.name = new.target.name;
    this.code = code;
    this.location = location;
    this.detail = message;
  }

  /**
   * Fill location fields that are still unknown (e.g. the file, added by `readModel` around a
   * reader that only knows the node) and rebuild the message so it names them too.
   */
  locate(more: ErrorLocation): this {
    const loc = this.location as Record<string, unknown>;
    for (const [k, v] of Object.entries(more)) if (loc[k] === undefined) loc[k] = v;
    this.message = withLocation(this.detail, this.location);
    return this;
  }
}

function withLocation(message: string, location: ErrorLocation): string {
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(`file ${location.file}`);
  if (location.pass !== undefined) parts.push(`pass ${location.pass}`);
  if (location.node !== undefined) parts.push(`node ${location.node}`);
  if (location.field !== undefined) parts.push(`field ${location.field}`);
  if (location.position !== undefined) parts.push(`position ${location.position}`);
  return parts.length > 0 ? `${message} (${parts.join(', ')})` : message;
}

/** The graph breaks a structural rule: cycle, dangling value, wrong weight shape, ... */
export class GraphError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}, code = 'GRAPH_INVALID') {
    super(code, message, location);
  }
}

/** Shapes that cannot be inferred or do not agree. */
export class ShapeError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('SHAPE_MISMATCH', message, location);
  }
}

/** An op kind that no registry entry describes. */
export class UnknownOpError extends CollaboptError {
  constructor(op: string, location: ErrorLocation = {}) {
    super(
      'UNKNOWN_OP',
      `unknown op "${op}"; register it with OpRegistry.register({ name: "${op}", ... })`,
      location,
    );
  }
}

/** An attribute value is missing or of the wrong type. */
export class AttributeError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('BAD_ATTRIBUTE', message, location);
  }
}

/** A pass broke an annotation contract it claims to keep. */
export class ContractViolationError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('CONTRACT_VIOLATION', message, location);
  }
}

/** A text pipeline or pass option could not be parsed or resolved. */
export class PipelineError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}, code = 'PIPELINE_INVALID') {
    super(code, message, location);
  }
}

/** A model file cannot be read or written in the requested format. */
export class FormatError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}, code = 'FORMAT_INVALID') {
    super(code, message, location);
  }
}

/** An op, dtype or feature the chosen format cannot represent. */
export class UnsupportedError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}, code = 'UNSUPPORTED') {
    super(code, message, location);
  }
}

/** Bad user input to an API (options out of range, wrong data shape, ...). */
export class InvalidArgumentError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('INVALID_ARGUMENT', message, location);
  }
}

/**
 * Reading or building a model would exceed a resource budget (memory for initialised weights,
 * folded constants, file sizes); the message names the node or file and the option that raises it.
 */
export class BudgetExceededError extends CollaboptError {
  constructor(message: string, location: ErrorLocation = {}, code = 'BUDGET_EXCEEDED') {
    super(code, message, location);
  }
}

/** Work was cancelled through an AbortSignal. */
export class CancelledError extends CollaboptError {
  constructor(message = 'cancelled', location: ErrorLocation = {}) {
    super('CANCELLED', message, location);
  }
}

export function isCollaboptError(e: unknown): e is CollaboptError {
  return e instanceof CollaboptError;
}
