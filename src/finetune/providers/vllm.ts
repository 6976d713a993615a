// The inference server a self-hosted model is deployed to: any OpenAI-compatible server, with vLLM as the
// reference (docs/self-hosted-inference-contract.md). A LoRA adapter is loaded at run time through vLLM's
// `POST /v1/load_lora_adapter`; a full fine-tune must already be served (vLLM cannot load weights at run
// time), which `GET /v1/models` confirms. Either way the agents then call /v1/chat/completions with the
// served name.
import { request, requestJson } from '../../platform/json-client.ts';

export interface InferenceServer {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
}

const WHAT = 'the self-hosted inference server';

export async function servedModels(server: InferenceServer): Promise<string[]> {
  const list = await requestJson<{ data?: { id: string }[] }>(url(server, 'models'), {
    method: 'GET',
    apiKey: server.apiKey,
    timeoutMs: server.timeoutMs,
    retries: 2,
    what: WHAT,
  });
  return (list?.data ?? []).map((model) => model.id);
}

/** Loads an adapter directory under `name`; an adapter already loaded under that name counts as done. */
export async function loadLoraAdapter(server: InferenceServer, name: string, adapterPath: string) {
  if ((await servedModels(server)).includes(name)) return;
  // vLLM answers 200 with a plain-text confirmation, and 400 with a JSON error (e.g. a path it cannot read).
  await request(url(server, 'load_lora_adapter'), {
    method: 'POST',
    body: { lora_name: name, lora_path: adapterPath },
    apiKey: server.apiKey,
    timeoutMs: server.timeoutMs,
    retries: 1,
    what: WHAT,
  });
}

function url(server: InferenceServer, path: string) {
  return new URL(path, server.baseUrl.endsWith('/') ? server.baseUrl : `${server.baseUrl}/`);
}
