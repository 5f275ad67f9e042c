// Cold start: a new process loads the deploy bundle and makes one valid direct invocation. Argument: the bundle.
'use strict';
const { report } = require('./raw-post.cjs');
require(process.argv[2])
  .main_handler(report('cold'), { request_id: 'cold', time_limit_in_ms: 5000 })
  .then(() => process.exit(0));
