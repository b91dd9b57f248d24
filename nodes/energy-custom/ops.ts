// What custom energy code may call as tf.<name>, and which of those have second derivatives we
// trust. One list each, read by the facade (facade.ts), the static second-order scan (code.ts) and
// the test that proves the verified ones against finite differences
// (test/unit/nodes/energy-custom-ops.test.ts).

/** The verified elementwise functions of nodes/shared/autodiff.ts, under the names tfjs uses
 * (plus swish and gelu, which tfjs does not have). tf.tanh in custom code is autodiff.tanh. */
export const REPLACED_OPS = ['exp', 'sigmoid', 'tanh', 'softplus', 'relu', 'elu', 'leakyRelu', 'swish', 'gelu'] as const;

/**
 * Ops whose nested gradients tfjs gets right: linear and polynomial ops, and a few elementwise
 * functions whose tfjs gradient is written with functions of the input (so the outer tape of a
 * nested tf.grad records it). Each is checked, first and second derivative, against finite
 * differences; add a name here only with its test.
 */
export const VERIFIED_TFJS_OPS = [
  'add',
  'sub',
  'neg',
  'mul',
  'div',
  'square',
  'squaredDifference',
  'addN',
  'matMul',
  'dot',
  'sum',
  'mean',
  'reshape',
  'transpose',
  'expandDims',
  'squeeze',
  'concat',
  'slice',
  'stack',
  'tile',
  'clone',
  'log',
  'log1p',
  'sqrt',
  'sin',
  'cos',
] as const;

/** Ops that make constants or manage memory: no derivative flows through them. */
export const CONSTANT_OPS = ['tensor', 'scalar', 'tensor1d', 'tensor2d', 'zeros', 'ones', 'fill', 'zerosLike', 'onesLike', 'eye', 'linspace', 'range', 'tidy', 'dispose'] as const;

/** Everything else custom code may call: tfjs-core's deterministic, synchronous tensor ops, with
 * tfjs's own gradients (first derivatives are right; second ones are not verified). No random
 * ops (an energy is a function), nothing that reaches the engine, backends, IO or timers. */
export const OTHER_OPS = [
  'abs',
  'acos',
  'acosh',
  'all',
  'any',
  'argMax',
  'argMin',
  'asin',
  'asinh',
  'atan',
  'atan2',
  'atanh',
  'broadcastTo',
  'cast',
  'ceil',
  'clipByValue',
  'cosh',
  'cumprod',
  'cumsum',
  'diag',
  'divNoNan',
  'einsum',
  'equal',
  'erf',
  'euclideanNorm',
  'expm1',
  'floor',
  'gather',
  'greater',
  'greaterEqual',
  'isFinite',
  'isInf',
  'isNaN',
  'less',
  'lessEqual',
  'logSigmoid',
  'logSoftmax',
  'logSumExp',
  'logicalAnd',
  'logicalNot',
  'logicalOr',
  'logicalXor',
  'max',
  'maximum',
  'min',
  'minimum',
  'mod',
  'moments',
  'norm',
  'notEqual',
  'oneHot',
  'outerProduct',
  'pad',
  'pow',
  'prelu',
  'prod',
  'reciprocal',
  'relu6',
  'reverse',
  'round',
  'rsqrt',
  'selu',
  'sign',
  'sinh',
  'softmax',
  'split',
  'step',
  'tan',
  'tensor3d',
  'tensor4d',
  'topk',
  'unstack',
  'where',
] as const;

export type ReplacedOp = (typeof REPLACED_OPS)[number];

/** Every name `tf` has in custom code. */
export const FACADE_OPS: ReadonlySet<string> = new Set<string>([...REPLACED_OPS, ...VERIFIED_TFJS_OPS, ...CONSTANT_OPS, ...OTHER_OPS]);

/** tf.<name> calls a score-based objective accepts. */
export const SECOND_ORDER_OPS: ReadonlySet<string> = new Set<string>([...REPLACED_OPS, ...VERIFIED_TFJS_OPS, ...CONSTANT_OPS]);

/**
 * Tensor methods (x.<name>()) a score-based objective accepts: the verified tfjs ops that are
 * also methods, reshapes, and methods that compute nothing on the tape. Methods run tfjs's own
 * ops, so x.tanh() is tfjs's tanh, not the verified one.
 */
export const SECOND_ORDER_METHODS: ReadonlySet<string> = new Set<string>([
  ...VERIFIED_TFJS_OPS.filter((n) => n !== 'addN'),
  'as1D',
  'as2D',
  'as3D',
  'as4D',
  'asScalar',
  'flatten',
  'reshapeAs',
  'dispose',
  'dataSync',
  'arraySync',
  'isDisposed',
  'rank',
  'toString',
  'throwIfDisposed',
]);

/** What tfjs 4.22's Tensor.prototype has once the union package has added its ops (methods, and
 * the getters rank and isDisposed); test/unit/nodes/energy-custom.test.ts checks it against the
 * real prototype. A call x.<name>() with one of these names is taken to be a tensor op. */
export const TENSOR_METHODS: ReadonlySet<string> = new Set(
  (
    'abs acos acosh add all any argMax argMin array arraySync as1D as2D as3D as4D as5D asScalar asType asin asinh atan atan2 atanh ' +
    'avgPool batchNorm batchToSpaceND broadcastTo buffer bufferSync bytes cast ceil clipByValue clone concat conv1d conv2d ' +
    'conv2dTranspose cos cosh cumprod cumsum data dataSync dataToGPU depthToSpace depthwiseConv2d dilation2d dispose div divNoNan dot ' +
    'elu equal erf euclideanNorm exp expandDims expm1 fft flatten floor floorDiv gather greater greaterEqual ifft irfft isDisposed ' +
    'isFinite isInf isNaN leakyRelu less lessEqual localResponseNormalization log log1p logSigmoid logSoftmax logSumExp logicalAnd ' +
    'logicalNot logicalOr logicalXor matMul max maxPool maximum mean min minimum mirrorPad mod mul neg norm notEqual oneHot onesLike ' +
    'pad pool pow prelu print prod rank reciprocal relu relu6 reshape reshapeAs resizeBilinear resizeNearestNeighbor reverse rfft ' +
    'round rsqrt selu separableConv2d sigmoid sign sin sinh slice softmax softplus spaceToBatchND split sqrt square squaredDifference ' +
    'squeeze stack step stridedSlice sub sum tan tanh throwIfDisposed tile toBool toFloat toInt toString topk transpose unique ' +
    'unsortedSegmentSum unstack variable where zerosLike'
  ).split(' '),
);
