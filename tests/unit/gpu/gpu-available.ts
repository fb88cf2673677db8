/**
 * Whether a WebGPU adapter answers here, asked once per test file before its tests are declared.
 * Tests that need one skip where none answers, with the reason in their name; CI installs Mesa's
 * software Vulkan driver (llvmpipe) and sets SLAYER_REQUIRE_GPU, and there a missing adapter
 * fails instead (placement.test.ts). Mesa wants XDG_RUNTIME_DIR: where the session has none,
 * prepareGpuEnvironment makes a private one, as the app does.
 */
import { describeGpu, prepareGpuEnvironment } from '../../../src/main/engine/gpu-adapter.js';

prepareGpuEnvironment();
export const gpu = await describeGpu();
/** Appended to the name of GPU tests: why they were skipped, when they were. */
export const needsGpu = gpu.adapter ? '' : ` (skipped: ${gpu.problem})`;
