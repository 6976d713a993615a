// Row shapes of the request-monitoring tables the platform owns (migration 007).

export interface MonitoringTables {
  requestMinutes: {
    /** '' for requests outside any workspace. */
    workspaceId: string;
    minute: string;
    requests: number;
    clientErrors: number;
    serverErrors: number;
  };
  errorEvents: {
    id: string;
    workspaceId: string | null;
    at: string;
    method: string;
    route: string;
    status: number;
    code: string;
    message: string;
    requestId: string;
  };
}
