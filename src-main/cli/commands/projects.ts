import { resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import type { Output } from '../output.js';
import { badInput } from '../../core/errors.js';
import {
  createProject,
  DEFAULT_PROJECT_ID,
  listProjects,
  renameProject,
  resolveProject,
} from '../../core/projects/projects.js';
import {
  assignToProject,
  datasetProjectMap,
  modelProjectMap,
  projectModelIds,
} from '../../core/projects/project-membership.js';
import { exportAuditBundle } from '../../core/pipelines/export/audit-bundle-documents.js';

function onePositional(context: CommandContext, what: string): string {
  const [value, ...rest] = context.options.positionals;
  if (value === undefined || value.trim() === '') throw badInput(`give the ${what}`);
  if (rest.length > 0) throw badInput(`one ${what} only, got also "${rest.join(' ')}"`);
  return value;
}

export const projectsAddCommand: Command = {
  path: ['projects', 'add'],
  usage: 'projects add NAME [--json]',
  summary: 'Create a project: a group of datasets and the models trained on them (audited)',
  async run(context) {
    const name = onePositional(context, 'project name');
    context.options.rejectUnknown();
    const project = createProject(context.workspace().db, name);
    context.out.result({ project }, () => `project ${project.id} "${project.name}"`);
  },
};

export const projectsRenameCommand: Command = {
  path: ['projects', 'rename'],
  usage: 'projects rename NAME|ID --to NEW-NAME [--json]',
  summary: 'Rename a project (the old name stays in the audit trail)',
  async run(context) {
    const reference = onePositional(context, 'project (name or id)');
    const to = context.options.requiredString('to');
    context.options.rejectUnknown();
    const db = context.workspace().db;
    const project = renameProject(db, resolveProject(db, reference).id, to);
    context.out.result({ project }, () => `project ${project.id} is now "${project.name}"`);
  },
};

export const projectsListCommand: Command = {
  path: ['projects', 'list'],
  readOnly: true,
  usage: 'projects list [--json]',
  summary: 'List projects with their datasets and models',
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const db = workspace().db;
    const datasets = datasetProjectMap(db);
    const models = modelProjectMap(db, datasets);
    const members = (map: Map<string, string>, id: string) =>
      [...map].filter(([, project]) => project === id).map(([member]) => member);
    const projects = listProjects(db).map((p) => ({
      ...p,
      isDefault: p.id === DEFAULT_PROJECT_ID,
      datasetIds: members(datasets, p.id),
      modelIds: members(models, p.id),
    }));
    out.result({ projects }, () =>
      projects
        .map(
          (p) =>
            `${p.id}  ${p.name}${p.isDefault ? ' (default)' : ''}: ${p.datasetIds.length} datasets, ${p.modelIds.length} models`,
        )
        .join('\n'),
    );
  },
};

export const projectsAssignCommand: Command = {
  path: ['projects', 'assign'],
  usage: 'projects assign NAME|ID --dataset ID | --model ID [--json]',
  summary:
    "Move a dataset or a model into a project (audited); a model's compressed children follow it unless moved themselves",
  async run(context) {
    const reference = onePositional(context, 'project (name or id)');
    const datasetId = context.options.string('dataset');
    const modelId = context.options.string('model');
    context.options.rejectUnknown();
    if ((datasetId === undefined) === (modelId === undefined))
      throw badInput('give exactly one of --dataset ID or --model ID');
    const db = context.workspace().db;
    const project = resolveProject(db, reference);
    const [type, id] =
      datasetId !== undefined ? (['dataset', datasetId] as const) : (['model', modelId as string] as const);
    const result = assignToProject(db, type, id, project.id);
    context.out.result(
      { [type]: id, project: result.project, from: result.from, changed: result.changed },
      () =>
        result.changed
          ? `${type} ${id} moved to project "${result.project.name}"`
          : `${type} ${id} is in project "${result.project.name}" already`,
    );
  },
};

export const projectsExportCommand: Command = {
  path: ['projects', 'export'],
  usage: 'projects export NAME|ID --out FILE.zip [--json]',
  summary:
    "The audit bundle of one project: reports and model cards of the project's models, with all the evidence",
  async run(context) {
    const reference = onePositional(context, 'project (name or id)');
    const target = resolve(context.options.requiredString('out'));
    context.options.rejectUnknown();
    const workspace = context.workspace();
    const project = resolveProject(workspace.db, reference);
    const modelIds = projectModelIds(workspace.db, project.id);
    const result = await exportAuditBundle(workspace, { out: target, modelIds });
    context.out.result({ project, models: modelIds, ...result }, () =>
      [
        `audit bundle of project "${project.name}" (${modelIds.length} models) written to ${result.path}`,
        `  verify anywhere: node verify-bundle.mjs ${result.path} --expect-key ${result.checkpoint.keyId}`,
      ].join('\n'),
    );
  },
};

/** Commands that create a dataset or a model (import, train, models import) and so accept --project. */
function takesProject(command: Command): boolean {
  return (
    command.path[0] === 'import' ||
    (command.path.length === 1 && command.path[0] === 'train') ||
    command.path.join(' ') === 'models import'
  );
}

/** The output of a wrapped command, putting the dataset or model it reports into the project first. */
function assigningOutput(out: Output, assign: (value: unknown) => { name: string } | undefined): Output {
  return {
    json: out.json,
    log: (message) => out.log(message),
    progress: (fraction, message) => out.progress(fraction, message),
    endProgress: () => out.endProgress(),
    result(value, human) {
      const project = assign(value);
      if (project === undefined) return out.result(value, human);
      out.result(
        { ...(value as Record<string, unknown>), project },
        () => `${human()}\n  project: ${project.name}`,
      );
    },
  };
}

/**
 * `--project NAME|ID` on every import and on train: the project is looked up before anything runs (an unknown
 * name stops the command, nothing stored), then the new dataset or model is put in it. Without the option, a
 * dataset lands in the default project and a model follows its dataset.
 */
export function withProjectOption(command: Command): Command {
  if (!takesProject(command)) return command;
  return {
    ...command,
    usage: `${command.usage} [--project NAME|ID]`,
    async run(context) {
      const reference = context.options.string('project');
      if (reference === undefined) return command.run(context);
      const project = resolveProject(context.workspace().db, reference);
      const out = assigningOutput(context.out, (value) => {
        const v = value as { datasetId?: unknown; modelId?: unknown };
        const target =
          typeof v.datasetId === 'string' && command.path[0] === 'import'
            ? (['dataset', v.datasetId] as const)
            : typeof v.modelId === 'string'
              ? (['model', v.modelId] as const)
              : undefined;
        if (target === undefined) return undefined;
        assignToProject(context.workspace().db, target[0], target[1], project.id);
        return { id: project.id, name: project.name };
      });
      return command.run({ ...context, out });
    },
  };
}
