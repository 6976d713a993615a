// Workflows run in the background (`"async": true`): queued on the job queue (in this process by default,
// on the cluster's workers with JOB_QUEUE=redis), polled by id. A job is only ever visible to its workspace.
import type { JobQueue, JobState } from '../platform/queue/job-queue.ts';
import { type AgentOrchestrator, type Caller, validateWorkflow, type WorkflowStep } from './orchestrator.ts';

export const WORKFLOW_QUEUE = 'workflows';

interface WorkflowJob {
  caller: Caller;
  steps: WorkflowStep[];
}

export class WorkflowJobs {
  constructor(
    private readonly queue: JobQueue,
    private readonly orchestrator: AgentOrchestrator,
  ) {}

  /** Runs queued workflows in this process, two at a time. */
  consume(): void {
    this.queue.process<WorkflowJob>(
      WORKFLOW_QUEUE,
      (job) => this.orchestrator.workflow(job.data.caller, job.data.steps),
      2,
    );
  }

  async enqueue(caller: Caller, steps: WorkflowStep[]): Promise<string> {
    // A workflow that cannot run is a 400 now, not a failed job later.
    validateWorkflow(steps);
    // One attempt: a workflow's steps have their own retries, and a rerun would record its history twice.
    const { id } = await this.queue.add<WorkflowJob>(
      WORKFLOW_QUEUE,
      'workflow',
      { caller, steps },
      { attempts: 1 },
    );
    return id;
  }

  /** The job's state, or undefined when it is unknown or another workspace's (the two look alike). */
  async status(workspaceId: string, jobId: string): Promise<JobState | undefined> {
    const job = await this.queue.job(WORKFLOW_QUEUE, jobId);
    return (job?.data as Partial<WorkflowJob> | undefined)?.caller?.workspaceId === workspaceId
      ? job
      : undefined;
  }
}
