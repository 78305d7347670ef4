export const USAGE = `collabopt — prune, cluster and quantize neural networks collaboratively

Usage:
  collabopt inspect <model>                      per-layer table: op, shape, params, sparsity, unique values, annotations
  collabopt convert <in> <out>                   convert between formats (.json Keras/TF.js, .tflite, .onnx)
  collabopt optimize <in> -o <out> -p <pipeline> --data <data>
                                                 run a pass pipeline, e.g.
        -p "prune(sparsity=0.5) | sparsityPreservingCluster(clusters=16) | ptq(mode=int8)"
  collabopt tree [<model> --data <data>]         run the deployment tree (baseline, PTQ, QAT, pruned,
                                                 clustered, sparsity-preserving clustered) and report every leaf;
                                                 without a model: the demo on the embedded MNIST digits
  collabopt tree [<model>] --data <data> --budget <points> [--objective raw|zip]
                                                 smallest int8 file within <points> of float accuracy:
                                                 searches sparsity, clusters, 4-bit and float layers,
                                                 prints the Pareto front, writes budget.tflite
  collabopt sensitivity [<model>] --data <data>  per layer: accuracy drop when only that layer is
                                                 int8/int4-quantized, 50% pruned or 16-clustered
  collabopt passes                               list the registered passes and their options
  collabopt formats                              list the registered formats

convert, optimize and tree rewrite the model for the output format first (fold BatchNorm, split a
softmax/sigmoid out of Dense/Conv for int8, split SeparableConv2D for int8), say so, and check that
the output can be written before any pass runs.

Options:
  -p, --pipeline <text>   pass pipeline (optimize)
  -o, --output <file|dir> output file (optimize, convert) or folder (tree, default collabopt-tree)
  -d, --data <data>       required for optimize and tree on a model file:
                          mnist (embedded digits) | fashion-mnist (Debian dataset-fashion-mnist)
                          | <image folder> (one subfolder per class, or flat: no labels; PNG/JPEG/WebP)
                          | <file.npy> (inputs) | <file.npz> (x, optional y) | <…images-idx3-ubyte[.gz]>
                          | none (one-shot passes only); a user's data is split (seeded) into
                          training and held-out validation, 80/20 unless --validation-split says
      --validation-split <f>  fraction of a user's data held out for validation and every reported
                          figure (default 0.2; 0 < f < 1; the training part must hold one batch)
      --labels none       ignore the data's labels: fine-tuning distils from the float model,
                          results are agreement with it
      --preprocess <p>    on raw pixels: scale=1/255[,offset=-1] or mean=…,std=… (per channel a:b:c),
                          order=bgr, resize=stretch|crop|pad|none
      --input-shape <n=s> static shape of a dynamic model input, e.g. input=1x3x224x224 (repeatable)
      --report <file>     inspect, optimize, tree, sensitivity: <file>.html is the report page (tables,
                          size/accuracy chart, weight density plots; self-contained), <file>.json
                          its JSON (optimize: the run's JSON report). tree writes report.html into
                          its output folder unless --report says where
      --report-layer <l>  layer (or layer/weight) the report's density plots show (default: largest kernel)
      --seed <n>          random seed (default 0)
      --format <name>     force the output format
      --plugin <module>   load custom passes, ops or formats: a file (./my-pass.js) or package
                          exporting register(registries); repeatable (docs/writing-a-pass.md)
  -v, --verbose           say why the engine picked its backend (optimize, tree)
  -V, --version           print the version
  tree:
      --sparsity <f>      pruned branch sparsity (default 0.5)
      --clusters <n>      clusters per kernel (default 16)
      --per-channel       one codebook per output channel
      --prune-epochs <n>  (default 2)   --cluster-epochs <n> (default 1)   --qat-epochs <n> (default 1)
      --learning-rate <f> fine-tuning rate of every training pass (default: each pass's own)
      --recipe <file>     a JSON recipe: these knobs, or the whole tree as branches and leaves
      --epochs <n>        demo only: reference CNN training epochs (default 3; sensitivity too)
      --budget <points>   accuracy-budget search instead of the tree (drop vs float, in points)
      --objective raw|zip what the budget search minimises: file bytes or deflated bytes (default zip)
      --time-limit <s>    budget search: no new candidate after this many seconds of search
                          (default 600), counted after the per-layer sensitivity pass; the first
                          all-int8 candidate is always measured. No candidate within the budget:
                          exit 2 (NO_CANDIDATE_WITHIN_BUDGET), budget-report.json still written
      --screen-samples <n> budget search: measure candidates and the sensitivity pass on <n> test
                          samples spread over the set (default 2000; 0: all). A candidate within 2
                          standard errors of the budget, and the chosen one always, is re-measured
                          on the whole test set: the chosen file's drop there is within the budget
  -h, --help              this text

Exit codes: 0 ok, 1 unexpected failure, 2 bad input (the message names what and where), 130 cancelled.
`;
