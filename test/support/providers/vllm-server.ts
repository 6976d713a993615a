// A local stand-in for a vLLM OpenAI-compatible server started with --enable-lora and
// VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, following docs/self-hosted-inference-contract.md: GET /v1/models,
// POST /v1/load_lora_adapter (which, like vLLM, reads the adapter directory and refuses one without
// adapter_config.json or weights), and POST /v1/chat/completions for the base model and loaded adapters.
import fs from 'node:fs';
import path from 'node:path';
import { type ContractReply, type ContractServer, startContractServer } from '../contract-server.ts';
import { chatCompletionReply } from './fake-training.ts';

export interface VllmServer extends ContractServer {
  baseUrl: string;
  adapters: Map<string, string>;
}

// vLLM's error body (an OpenAI-style ErrorResponse).
const error = (status: number, message: string, type = 'BadRequestError'): ContractReply => ({
  status,
  body: { object: 'error', message, type, param: null, code: status },
});

export async function startVllmServer(options: { apiKey: string; baseModel: string }): Promise<VllmServer> {
  const adapters = new Map<string, string>();
  const server = await startContractServer((request) => {
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) return error(401, 'Unauthorized');
    const { method, path: route } = request;
    if (method === 'GET' && route === '/v1/models') {
      const ids = [options.baseModel, ...adapters.keys()];
      return {
        status: 200,
        body: {
          object: 'list',
          data: ids.map((id) => ({
            id,
            object: 'model',
            owned_by: 'vllm',
            root: adapters.get(id) ?? id,
            parent: adapters.has(id) ? options.baseModel : null,
          })),
        },
      };
    }
    if (method === 'POST' && route === '/v1/load_lora_adapter') {
      const body = request.body as { lora_name?: string; lora_path?: string };
      if (!body?.lora_name || !body.lora_path)
        return error(400, 'Both lora_name and lora_path must be provided.');
      if (adapters.has(body.lora_name))
        return error(400, `The lora adapter '${body.lora_name}' has already been loaded.`);
      const files = fs.existsSync(body.lora_path) ? fs.readdirSync(body.lora_path) : [];
      if (!files.includes('adapter_config.json') || !files.includes('adapter_model.safetensors'))
        return error(404, `No adapter found for ${body.lora_path}`, 'NotFoundError');
      const config = JSON.parse(fs.readFileSync(path.join(body.lora_path, 'adapter_config.json'), 'utf8'));
      if (config.peft_type !== 'LORA') return error(400, `${config.peft_type} adapters are not supported`);
      adapters.set(body.lora_name, body.lora_path);
      return { status: 200, raw: `Success: LoRA adapter '${body.lora_name}' added successfully.` };
    }
    if (method === 'POST' && route === '/v1/chat/completions') {
      const body = request.body as { model: string; messages: { role: string; content: string }[] };
      if (body.model !== options.baseModel && !adapters.has(body.model))
        return error(404, `The model \`${body.model}\` does not exist.`, 'NotFoundError');
      return chatCompletionReply(body);
    }
    return error(404, `Not Found: ${method} ${route}`, 'NotFoundError');
  });
  return Object.assign(server, { baseUrl: `${server.url}/v1`, adapters });
}
