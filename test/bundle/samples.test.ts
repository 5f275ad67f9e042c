/**
 * The sample-driven suite through the built bundle (dist/index.js), the artefact that is deployed: every
 * `events/NAME.json` against the embedded TRTC emulator, over real loopback HTTP with the real SDK, must produce the
 * outcome written in `events/NAME.expect.json` (test/support/samples.ts). Adding a sample adds a test.
 */
import { loadBundle } from '../support/bundle';
import { describeSamples } from '../support/samples';

describeSamples('sample events (dist/index.js)', async (options) => loadBundle(options));
