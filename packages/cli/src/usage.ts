export const USAGE = `collabopt — prune, cluster and quantize neural networks collaboratively

Usage:
  collabopt inspect <model>                      per-layer table: op, shape, params, sparsity, unique values, annotations
  collabopt convert <in> <out>                   convert between formats (.json Keras/TF.js, .tflite, .onnx)
  collabopt optimize <in> -o <out> -p <pipeline> run a pass pipeline, e.g.
        -p "prune(sparsity=0.5) | sparsityPreservingCluster(clusters=16) | ptq(mode=int8)"
  collabopt tree [<model>]                       run the deployment tree (baseline, PTQ, QAT, pruned,
                                                 clustered, sparsity-preserving clustered) and report every leaf
  collabopt passes                               list the registered passes and their options
  collabopt formats                              list the registered formats

Options:
  -p, --pipeline <text>   pass pipeline (optimize)
  -o, --output <file|dir> output file (optimize, convert) or folder (tree)
  -d, --data <name>       data set: mnist (embedded, default) | fashion-mnist | none
      --seed <n>          random seed (default 0)
      --epochs <n>        baseline training epochs when the tree starts from scratch (default 3)
      --format <name>     force the output format
      --plugin <module>   load custom passes, ops or formats: a file (./my-pass.js) or package
                          exporting register(registries); repeatable (docs/writing-a-pass.md)
  -v, --verbose           say why the engine picked its backend (optimize, tree)
  -V, --version           print the version
  -h, --help              this text

Exit codes: 0 ok, 1 unexpected failure, 2 bad input (the message names what and where), 130 cancelled.
`;
