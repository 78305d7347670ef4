import { createRequire } from 'node:module';
import type { OpAttr } from './tfjs-node-backend';
import type { StepTrace, TraceRef } from './tfjs-node-step-trace';
import { tf } from './tf';

/**
 * A recorded step (tfjs-node-step-trace.ts) as a TensorFlow SavedModel: one `Placeholder` per
 * step input, one `Const` per captured constant, one node per recorded op and an `Identity` per
 * step output, in a MetaGraphDef tagged "serve" without variables (TensorFlow's loader accepts it
 * and says that no checkpoint was restored). Encoded with the compiled SavedModel/GraphDef
 * messages tfjs-node ships (`dist/proto/api_pb.js`).
 */

/** How each external tensor of the trace enters the graph: a named feed, or its recorded value. */
export type ExternalRole = { readonly feed: string } | 'const';

export interface GraphDefSpec {
  readonly trace: StepTrace;
  /** One role per `trace.externals` entry. */
  readonly roles: readonly ExternalRole[];
  /** Fetch name → where the value comes from. */
  readonly outputs: ReadonlyMap<string, TraceRef>;
}

/** Names of the graph's feed and fetch nodes (what `runSavedModel` is given). */
export const feedNode = (name: string): string => `feed_${name}`;
export const fetchNode = (name: string): string => `fetch_${name}`;

/** TensorFlow's DataType enum for the dtypes a step can carry. */
const TF_DTYPE: Partial<Record<tf.DataType, number>> = { float32: 1, int32: 3, bool: 10 };

/** Attribute types of tfjs-node's binding (TF_AttrType). */
const ATTR = { STRING: 0, INT: 1, FLOAT: 2, BOOL: 3, TYPE: 4, SHAPE: 5 } as const;

// The generated protobuf module is plain JavaScript without types: the few messages used here.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Message = any;
interface Proto {
  SavedModel: new () => Message;
  MetaGraphDef: (new () => Message) & { MetaInfoDef: new () => Message };
  GraphDef: new () => Message;
  VersionDef: new () => Message;
  NodeDef: new () => Message;
  AttrValue: (new () => Message) & { ListValue: new () => Message };
  Tensor: new () => Message;
  TensorShape: (new () => Message) & { Dim: new () => Message };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

let proto: Proto | undefined;
function protoMessages(): Proto {
  if (proto === undefined) {
    const require = createRequire(__filename);
    const mod = require('@tensorflow/tfjs-node/dist/proto/api_pb.js') as {
      tensorflow?: Proto;
    };
    const ns =
      mod.tensorflow ?? (globalThis as { proto?: { tensorflow: Proto } }).proto?.tensorflow;
    if (ns === undefined) throw new Error("tfjs-node's SavedModel protobuf messages are missing");
    proto = ns;
  }
  return proto;
}

/** Why a trace cannot be written as a graph, or undefined. */
export function unsupportedAttr(trace: StepTrace): string | undefined {
  const known = new Set<number>(Object.values(ATTR));
  for (const op of trace.ops)
    for (const a of op.attrs)
      if (!known.has(a.type)) return `op ${op.op} has attribute ${a.name} of type ${a.type}`;
  for (const e of trace.externals)
    if (TF_DTYPE[e.dtype] === undefined) return `an input of dtype ${e.dtype}`;
  return undefined;
}

function shapeProto(P: Proto, shape: readonly number[]): Message {
  const s = new P.TensorShape();
  for (const d of shape) {
    const dim = new P.TensorShape.Dim();
    dim.setSize(d);
    s.addDim(dim);
  }
  return s;
}

function attrProto(P: Proto, a: OpAttr): Message {
  const v = new P.AttrValue();
  const list = (add: (l: Message, x: unknown) => void): void => {
    const l = new P.AttrValue.ListValue();
    for (const x of a.value as unknown[]) add(l, x);
    v.setList(l);
  };
  switch (a.type) {
    case ATTR.STRING:
      v.setS(new TextEncoder().encode(String(a.value)));
      break;
    case ATTR.INT:
      if (Array.isArray(a.value)) list((l, x) => l.addI(x));
      else v.setI(a.value);
      break;
    case ATTR.FLOAT:
      if (Array.isArray(a.value)) list((l, x) => l.addF(x));
      else v.setF(a.value);
      break;
    case ATTR.BOOL:
      if (Array.isArray(a.value)) list((l, x) => l.addB(x));
      else v.setB(a.value);
      break;
    case ATTR.TYPE:
      v.setType(a.value);
      break;
    case ATTR.SHAPE:
      v.setShape(shapeProto(P, a.value as number[]));
      break;
    default:
      throw new Error(`attribute ${a.name}: unsupported type ${a.type}`);
  }
  return v;
}

function typeAttr(P: Proto, dtype: number): Message {
  const v = new P.AttrValue();
  v.setType(dtype);
  return v;
}

function node(P: Proto, name: string, op: string, inputs: readonly string[]): Message {
  const n = new P.NodeDef();
  n.setName(name);
  n.setOp(op);
  for (const i of inputs) n.addInput(i);
  return n;
}

const opNode = (k: number): string => `op${k}`;
const constNode = (e: number): string => `const${e}`;

function refName(spec: GraphDefSpec, ref: TraceRef): string {
  if ('op' in ref) return `${opNode(ref.op)}:${ref.index}`;
  const role = spec.roles[ref.external];
  if (role === undefined) throw new Error(`unknown external tensor ${ref.external}`);
  return role === 'const' ? `${constNode(ref.external)}:0` : `${feedNode(role.feed)}:0`;
}

function refDtype(spec: GraphDefSpec, ref: TraceRef): number {
  if ('op' in ref) return spec.trace.ops[ref.op]!.outputDtypes[ref.index]!;
  return TF_DTYPE[spec.trace.externals[ref.external]!.dtype]!;
}

/** The serialized `saved_model.pb` of a trace. */
export function savedModelBytes(spec: GraphDefSpec): Uint8Array {
  const P = protoMessages();
  const graph = new P.GraphDef();
  const versions = new P.VersionDef();
  versions.setProducer(1286);
  graph.setVersions(versions);
  const fed = new Set<string>();
  spec.trace.externals.forEach((e, i) => {
    const role = spec.roles[i]!;
    const dtype = TF_DTYPE[e.dtype]!;
    if (role === 'const') {
      const n = node(P, constNode(i), 'Const', []);
      const t = new P.Tensor();
      t.setDtype(dtype);
      t.setTensorShape(shapeProto(P, e.shape));
      t.setTensorContent(new Uint8Array(e.values.buffer, e.values.byteOffset, e.values.byteLength));
      const value = new P.AttrValue();
      value.setTensor(t);
      n.getAttrMap().set('value', value);
      n.getAttrMap().set('dtype', typeAttr(P, dtype));
      graph.addNode(n);
    } else if (!fed.has(role.feed)) {
      fed.add(role.feed);
      const n = node(P, feedNode(role.feed), 'Placeholder', []);
      n.getAttrMap().set('dtype', typeAttr(P, dtype));
      graph.addNode(n);
    }
  });
  spec.trace.ops.forEach((op, k) => {
    const n = node(
      P,
      opNode(k),
      op.op,
      op.inputs.map((r) => refName(spec, r)),
    );
    for (const a of op.attrs) n.getAttrMap().set(a.name, attrProto(P, a));
    graph.addNode(n);
  });
  for (const [name, ref] of spec.outputs) {
    const n = node(P, fetchNode(name), 'Identity', [refName(spec, ref)]);
    n.getAttrMap().set('T', typeAttr(P, refDtype(spec, ref)));
    graph.addNode(n);
  }
  const info = new P.MetaGraphDef.MetaInfoDef();
  info.addTags('serve');
  const meta = new P.MetaGraphDef();
  meta.setMetaInfoDef(info);
  meta.setGraphDef(graph);
  const saved = new P.SavedModel();
  saved.setSavedModelSchemaVersion(1);
  saved.addMetaGraphs(meta);
  return saved.serializeBinary() as Uint8Array;
}
