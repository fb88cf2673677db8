/**
 * The model folders inside a project (`<project>/models/*`: what the Inject step writes, the
 * S model at models/s-trained, the same folder `slayer run` writes), found by browsing, so the Evaluate and Export steps offer
 * them without the person typing a path.
 */
import type { Project } from '../../shared/api';
import { baseName } from './paths';
import { api } from './api';
import { trainedModelOf } from '../../shared/project-layout';

const S_TRAINED = baseName(trainedModelOf('s'));

export interface ProjectModel {
  name: string;
  path: string;
}

/** Sub-folders of `<project>/models` that hold a config.json, the trained model first; none when the folder does not exist yet. */
export async function projectModels(project: Project): Promise<ProjectModel[]> {
  const listing = await api()
    .invoke('fs.browse', { path: `${project.dir}/models` })
    .catch(() => null);
  if (!listing) return [];
  const folders = await Promise.all(
    listing.entries
      .filter((e) => e.kind === 'dir')
      .map(async (e) =>
        (
          await api()
            .invoke('fs.browse', { path: e.path })
            .catch(() => null)
        )?.hasConfig
          ? { name: e.name, path: e.path }
          : null,
      ),
  );
  const models = folders.filter((m): m is ProjectModel => m !== null);
  return models.sort((a, b) => Number(b.name === S_TRAINED) - Number(a.name === S_TRAINED));
}
