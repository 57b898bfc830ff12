/** Layer rules of docs/architecture.md, held in CI by `npm run lint`. */
module.exports = {
  forbidden: [
    { name: 'lib-is-a-leaf', severity: 'error', from: { path: '^src/lib/' }, to: { path: '^src/(?!lib/)' } },
    {
      name: 'wechatpay-is-pure',
      comment: 'The protocol layer knows nothing of the database, the HTTP server, services or config.',
      severity: 'error',
      from: { path: '^src/wechatpay/' },
      to: { path: '^src/(?!lib/|wechatpay/)' },
    },
    {
      name: 'wechatpay-no-server-or-db',
      severity: 'error',
      from: { path: '^src/wechatpay/' },
      to: { path: '(^|/)node_modules/(fastify|kysely|pg|pg-boss|@electric-sql)/' },
    },
    {
      name: 'simulator-sees-only-lib-and-wechatpay',
      comment: 'The simulator is a stand-in for WeChat: it speaks the protocol layer and knows nothing of the gateway. Its command entry may also read config (the log level).',
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/(?!lib/|wechatpay/|simulator/|config/)' },
    },
    {
      name: 'only-the-simulator-command-reads-config',
      severity: 'error',
      from: { path: '^src/simulator/', pathNot: '^src/simulator/cli-command\\.ts$' },
      to: { path: '^src/config/' },
    },
    {
      name: 'only-cli-and-tests-import-simulator',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(simulator/|cli\\.ts|main\\.ts|sandbox/)|\\.test\\.ts$' },
      to: { path: '^src/simulator/' },
    },
    { name: 'domain-is-pure', severity: 'error', from: { path: '^src/domain/' }, to: { path: '^src/(?!lib/|domain/)' } },
    {
      name: 'services-do-not-see-http',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/http/|(^|/)node_modules/fastify/' },
    },
    {
      name: 'no-circular',
      comment: 'Runtime cycles only: type-only imports (e.g. the ServiceContext type) vanish at compile time.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
