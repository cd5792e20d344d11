// Job files for running a sweep as an array job on a cluster's own scheduler:
// a Slurm sbatch array script or a Kubernetes Indexed Job manifest. Each task
// runs `deno task sweep SPEC --out DIR` for its shard; `deno task merge DIR`
// ingests the results. The spec is written beside the job with the base
// config inlined, so every task expands exactly the same points.

import { planSpec, type SweepPlan } from "../sweep/mod.ts";
import { SHARD_COUNT_ENV, shardSweepId } from "./shard.ts";

export type EmitKind = "slurm" | "k8s";

export interface EmitOptions {
  /** Shared directory for the spec, the job file, logs and results. */
  outDir: string;
  /** Array tasks (default: points, at most 16). */
  shards?: number;
  /** Workers (and CPUs) per task (default 1). */
  workers?: number;
  /** Engine module for the tasks, if not the default (a path or URL they can read). */
  engine?: string;
  /** Slurm: the `--array` task ids (default `0-<shards-1>`), e.g. only the shards still to run. */
  array?: string;
  /** Kubernetes: container image with Deno (default denoland/deno:2.9.6). */
  image?: string;
  /** Kubernetes: the project checkout inside the container (default /project). */
  workdir?: string;
  /** Kubernetes: a PersistentVolumeClaim holding the checkout (default sweep-project). */
  volumeClaim?: string;
}

export interface EmitResult {
  kind: EmitKind;
  sweepId: string;
  shards: number;
  specPath: string;
  jobPath: string;
  /** The command that submits the job. */
  submit: string;
  /** The command that merges the results afterwards. */
  merge: string;
}

/** Single-quotes a word for sh. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

export function defaultShards(plan: SweepPlan): number {
  return Math.max(1, Math.min(plan.points.length, 16));
}

/** The sbatch array script (runs from the submit directory). */
export function slurmScript(plan: SweepPlan, o: {
  outDir: string;
  shards: number;
  workers: number;
  specPath: string;
  engine?: string;
  /** `--array` task ids (default all: `0-<shards-1>`). */
  array?: string;
}): string {
  const id = shardSweepId(plan);
  const out = shQuote(o.outDir);
  const engine = o.engine ? ` --engine ${shQuote(o.engine)}` : "";
  return `#!/bin/bash
# Sweep ${plan.name ?? id}: ${plural(plan.points.length, "point")} in ${
    plural(o.shards, "array task")
  },
# written by \`deno task sweep --emit slurm\`. From the project directory:
#   sbatch ${o.outDir}/sweep.sbatch
#   npx -y deno@2.9.6 task merge ${o.outDir}        # when the tasks are done (or to take what has finished)
# Task i runs points i, i + ${o.shards}, i + 2·${o.shards}, ... and writes one Parquet file per point
# to ${o.outDir}; a task run again skips the points it already wrote.
# Deno: \$DENO if set (a path to deno), else \`npx -y deno@2.9.6\`.
#SBATCH --job-name=sweep-${id}
#SBATCH --array=${o.array ?? `0-${o.shards - 1}`}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=${o.workers}
#SBATCH --output=${o.outDir}/logs/%A_%a.out
set -euo pipefail
cd "\${SLURM_SUBMIT_DIR:-.}"
if [ -n "\${DENO:-}" ]; then deno_cmd=("\$DENO"); else deno_cmd=(npx -y deno@2.9.6); fi
exec "\${deno_cmd[@]}" task sweep ${shQuote(o.specPath)} --out ${out}${engine} \\
  --shard "\$SLURM_ARRAY_TASK_ID/${o.shards}" --workers "\${SLURM_CPUS_PER_TASK:-${o.workers}}" \\
  --progress lines
`;
}

/** YAML for plain data: JSON strings are valid YAML scalars. */
function yaml(v: unknown, indent = ""): string {
  if (Array.isArray(v)) {
    return v.map((x) => {
      const body = yaml(x, indent + "  ");
      return `${indent}- ${body.trimStart()}`;
    }).join("\n");
  }
  if (v && typeof v === "object") {
    return Object.entries(v).map(([k, x]) => {
      if (x && typeof x === "object") {
        const empty = Array.isArray(x) ? x.length === 0 : Object.keys(x).length === 0;
        if (empty) return `${indent}${k}: ${Array.isArray(x) ? "[]" : "{}"}`;
        return `${indent}${k}:\n${yaml(x, indent + "  ")}`;
      }
      return `${indent}${k}: ${JSON.stringify(x)}`;
    }).join("\n");
  }
  return `${indent}${JSON.stringify(v)}`;
}

/** The Kubernetes Indexed Job manifest. */
export function k8sManifest(plan: SweepPlan, o: {
  outDir: string;
  shards: number;
  workers: number;
  specPath: string;
  image: string;
  workdir: string;
  volumeClaim: string;
  engine?: string;
}): string {
  const id = shardSweepId(plan);
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `sweep-${id}`.toLowerCase(), labels: { app: "iommu-sweep" } },
    spec: {
      completionMode: "Indexed",
      completions: o.shards,
      parallelism: o.shards,
      backoffLimitPerIndex: 2,
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{
            name: "sweep",
            image: o.image,
            workingDir: o.workdir,
            command: [
              "deno",
              "task",
              "sweep",
              o.specPath,
              "--out",
              o.outDir,
              "--workers",
              String(o.workers),
              "--progress",
              "lines",
              ...(o.engine ? ["--engine", o.engine] : []),
            ],
            env: [{ name: SHARD_COUNT_ENV, value: String(o.shards) }],
            resources: { requests: { cpu: String(o.workers) } },
            volumeMounts: [{ name: "project", mountPath: o.workdir }],
          }],
          volumes: [{ name: "project", persistentVolumeClaim: { claimName: o.volumeClaim } }],
        },
      },
    },
  };
  return `# Sweep ${plan.name ?? id}: ${plural(plan.points.length, "point")} in ${
    plural(o.shards, "indexed task")
  },
# written by \`deno task sweep --emit k8s\`. The volume holds the project checkout;
# task i (JOB_COMPLETION_INDEX, with ${SHARD_COUNT_ENV}) runs points i, i + ${o.shards}, ...
# and writes Parquet per point to ${o.outDir} on it.
#   kubectl apply -f ${o.outDir}/job.yaml
#   npx -y deno@2.9.6 task merge ${o.outDir}        # from a checkout that sees the volume
${yaml(job)}
`;
}

/** Writes the spec and the job file for `plan` into `options.outDir`. */
export async function emitJob(
  plan: SweepPlan,
  kind: EmitKind,
  options: EmitOptions,
): Promise<EmitResult> {
  const outDir = options.outDir.replace(/\/+$/, "");
  const shards = options.shards ?? defaultShards(plan);
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`--shards ${shards}: must be >= 1`);
  const workers = options.workers ?? 1;
  await Deno.mkdir(`${outDir}/logs`, { recursive: true });
  const specPath = `${outDir}/spec.json`;
  await Deno.writeTextFile(specPath, JSON.stringify(planSpec(plan), null, 2) + "\n");
  const jobPath = `${outDir}/${kind === "slurm" ? "sweep.sbatch" : "job.yaml"}`;
  const text = kind === "slurm"
    ? slurmScript(plan, {
      outDir,
      shards,
      workers,
      specPath,
      engine: options.engine,
      array: options.array,
    })
    : k8sManifest(plan, {
      outDir,
      shards,
      workers,
      specPath,
      image: options.image ?? "denoland/deno:2.9.6",
      workdir: options.workdir ?? "/project",
      volumeClaim: options.volumeClaim ?? "sweep-project",
      engine: options.engine,
    });
  await Deno.writeTextFile(jobPath, text, { mode: kind === "slurm" ? 0o755 : 0o644 });
  return {
    kind,
    sweepId: shardSweepId(plan),
    shards,
    specPath,
    jobPath,
    submit: kind === "slurm"
      ? `sbatch ${shQuote(jobPath)}`
      : `kubectl apply -f ${shQuote(jobPath)}`,
    merge: `npx -y deno@2.9.6 task merge ${shQuote(outDir)}`,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
