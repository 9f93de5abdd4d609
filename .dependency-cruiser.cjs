// The layering of docs/architecture.md, checked in CI (`npm run lint:layers`):
//   gen -> domain -> stages (features < policies, model; durability) -> engine -> adapters (server) -> main
// and every import between areas goes through the area's curated index.ts.
const STAGES = '^src/(features|policies|model|durability)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'gen-is-leaf',
      comment: 'Generated code (src/gen) imports only generated code and libraries.',
      severity: 'error',
      from: { path: '^src/gen/' },
      to: { path: '^src/', pathNot: '^src/gen/' },
    },
    {
      name: 'domain-is-bottom',
      comment: 'The domain (types, errors, clock, hashing, tokenizer, intake) imports no layer above it.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: ['^src/domain/', '^src/gen/'] },
    },
    {
      name: 'stages-below-engine',
      comment: 'Features, policies and model import only the domain and lower stages, never the engine or an adapter.',
      severity: 'error',
      from: { path: STAGES },
      to: { path: '^src/', pathNot: ['^src/domain/', '^src/gen/', STAGES] },
    },
    {
      name: 'features-lowest-stage',
      comment: 'Features is the lowest stage: policies and model may read its schema, not the other way.',
      severity: 'error',
      from: { path: '^src/features/' },
      to: { path: '^src/(policies|model)/' },
    },
    {
      name: 'durability-uses-domain-only',
      comment: 'Durability (journal, snapshots) imports the domain only; it treats every store state as opaque.',
      severity: 'error',
      from: { path: '^src/durability/' },
      to: { path: '^src/', pathNot: ['^src/durability/', '^src/domain/', '^src/gen/'] },
    },
    {
      name: 'stages-do-not-journal',
      comment: 'The stages never import durability: the engine journals their commits.',
      severity: 'error',
      from: { path: '^src/(features|policies|model)/' },
      to: { path: '^src/durability/' },
    },
    {
      name: 'policies-model-siblings',
      comment: 'Policies and model are siblings and do not import each other.',
      severity: 'error',
      from: { path: '^src/(policies|model)/' },
      to: { path: '^src/(policies|model)/', pathNot: '^src/$1/' },
    },
    {
      name: 'engine-below-adapters',
      comment: 'The engine imports the stages and the domain, never an adapter, the simulator or main.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(server|sim)/|^src/main\\.ts$' },
    },
    {
      name: 'adapters-below-main',
      comment: 'Adapters never import main or the simulator.',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/(sim)/|^src/main\\.ts$' },
    },
    {
      name: 'simulator-uses-domain-only',
      comment: 'The simulator builds wire requests and domain values only; it decides nothing.',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: '^src/', pathNot: ['^src/sim/', '^src/domain/', '^src/gen/'] },
    },
    {
      name: 'areas-through-index',
      comment: "Between areas, import the area's curated index.ts (src/gen excepted).",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/$1/', '^src/gen/', '^src/[^/]+/index\\.ts$', '^src/model/train/index\\.ts$'],
      },
    },
    {
      name: 'consumers-through-index',
      comment: 'main, the bench and the scripts use the areas through their index.ts (src/gen excepted).',
      severity: 'error',
      from: { path: '^(src/main\\.ts|bench/|scripts/)' },
      to: {
        path: '^src/',
        pathNot: ['^src/gen/', '^src/[^/]+/index\\.ts$', '^src/model/train/index\\.ts$'],
      },
    },
    {
      name: 'onnxruntime-telemetry-off',
      comment: 'onnxruntime-node is loaded only by src/model/onnxruntime.ts, which switches its telemetry off first.',
      severity: 'error',
      from: { pathNot: '^src/model/onnxruntime\\.ts$' },
      to: { path: 'node_modules/onnxruntime-node/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles inside the service.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
