/**
 * Settings shows the GPU that app.info reports: the adapter's name, graphics API, driver,
 * precision and memory (llvmpipe as Mesa 25 reports it on a machine without a GPU, with the
 * note that Automatic does not use a software renderer), or why there is none.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import SettingsDialog from '../../src/renderer/src/components/SettingsDialog.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import type { AppInfo, Settings } from '../../src/shared/api';
import type { GpuReport } from '../../src/shared/compute';

const GiB = 2 ** 30;
const LLVMPIPE: GpuReport = {
  adapter: {
    name: 'llvmpipe',
    driver: 'Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
    vendor: 'mesa',
    architecture: 'software',
    backend: 'Vulkan',
    software: true,
    shaderF16: true,
    maxBufferBytes: 4294967295,
    memory: { totalBytes: 24 * GiB, freeBytes: 20 * GiB, source: 'shared' },
  },
  problem: null,
};

function open(gpu: GpuReport) {
  const app = useAppStore();
  app.info = {
    version: '0.1.0',
    mode: 'browser',
    platform: 'linux',
    cores: 2,
    totalMemoryBytes: 24 * GiB,
    freeMemoryBytes: 20 * GiB,
    dataDir: '/data',
    gpu,
  } as AppInfo;
  app.settings = { dataDir: '/data', threads: 2, provider: 'auto', memoryLimitBytes: null, gpuMemoryBytes: null } as Settings;
  return mount(SettingsDialog, { global: { stubs: { FolderPicker: true } } });
}

describe('settings: the GPU', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('names the adapter, its graphics API, driver, precision and memory; a software renderer is marked as not used by Automatic', () => {
    const text = open(LLVMPIPE).find('[data-testid="settings-gpu"]').text();
    expect(text).toContain('llvmpipe');
    expect(text).toContain('Vulkan · Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1 · computes in fp16');
    expect(text).toContain('memory 24.0 GB shared with the system, 20.0 GB free');
    expect(text).toContain('so Automatic does not use it');
  });

  it('says why there is no GPU, and that jobs run on the CPU', () => {
    const text = open({ adapter: null, problem: 'no WebGPU adapter answered' }).find('[data-testid="settings-gpu"]').text();
    expect(text).toContain('No GPU');
    expect(text).toContain('no WebGPU adapter answered. Jobs run on the CPU.');
  });
});
