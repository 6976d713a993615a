// Environment → one typed, validated Config. The only module that reads process.env (via main.ts).
import path from 'node:path';
import { z } from 'zod';
import { issueLines } from './platform/validation-issues.ts';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().min(1).optional());

/** The environment variables crm-ai reads, with their defaults. The README's configuration table mirrors this. */
export const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: port.default(5001),
    DATA_DIR: z.string().default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_SCHEMA: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase PostgreSQL schema name')
        .optional(),
    ),
    REDIS_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
        .optional(),
    ),
    REDIS_ENABLED: z.preprocess(emptyAsUndefined, booleanFlag.optional()),
    REDIS_HOST: z.string().default('localhost'),
    REDIS_PORT: port.default(6379),
    REDIS_PASSWORD: optionalString,
    REDIS_DB: z.coerce.number().int().min(0).max(15).default(0),
    CACHE_NAMESPACE: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .default('crm'),
    CACHE_L1_MAX_ITEMS: z.coerce.number().int().min(1).default(10_000),
    CACHE_L1_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    CACHE_L2_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(50),
    CACHE_BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(5),
    CACHE_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(10).default(2000),
    VECTOR_DB_BACKEND: z.enum(['local', 'pinecone', 'milvus']).default('local'),
    EMBEDDING_PROVIDER: z.enum(['auto', 'local', 'onnx', 'openai']).default('auto'),
    EMBEDDING_DTYPE: z.enum(['auto', 'fp32', 'q8']).default('auto'),
    EMBEDDING_DEFAULT_MODEL: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'a hub model id, owner/name')
      .default('Xenova/all-MiniLM-L6-v2'),
    MODEL_AUTO_PULL: z.preprocess(emptyAsUndefined, booleanFlag.default(true)),
    HF_ENDPOINT: z.url().default('https://huggingface.co'),
    HF_TOKEN: optionalString,
    EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
    EMBEDDING_DIMENSIONS: z.coerce.number().int().min(16).max(4096).optional(),
    EMBEDDING_BASE_URL: z.url().default('https://api.openai.com/v1'),
    EMBEDDING_API_KEY: optionalString,
    EMBEDDING_MODEL_PATH: optionalString,
    PINECONE_API_KEY: optionalString,
    PINECONE_INDEX: z.string().min(1).default('crm-ai'),
    PINECONE_INDEX_HOST: optionalString,
    PINECONE_CONTROLLER_HOST: optionalString,
    MILVUS_ADDRESS: optionalString,
    MILVUS_PROTOCOL: z.enum(['rest', 'grpc']).default('rest'),
    MILVUS_TOKEN: optionalString,
    MILVUS_DATABASE: optionalString,
    MILVUS_COLLECTION: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'letters, digits and underscores, not starting with a digit')
      .default('crm_ai_vectors'),
    OPENAI_API_KEY: optionalString,
    AGENT_MODEL: optionalString,
    AGENT_MODEL_BASE_URL: z.url().default('https://api.openai.com/v1'),
    AGENT_MODEL_API_KEY: optionalString,
    AGENT_MODEL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
    AGENT_MODEL_COST_PER_1M_INPUT: z.coerce.number().min(0).default(0),
    AGENT_MODEL_COST_PER_1M_OUTPUT: z.coerce.number().min(0).default(0),
    FINETUNE_WORKER: z.preprocess(emptyAsUndefined, booleanFlag.default(true)),
    FINETUNE_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    FINETUNE_SIMULATOR_STEP_MS: z.coerce.number().int().min(0).max(60_000).default(100),
    FINETUNE_GPU_HOUR_USD: z.coerce.number().min(0).default(1.5),
    TOGETHER_PRICE_PER_1M_TOKENS: z.coerce.number().min(0).default(0.48),
    OPENAI_PRICE_PER_1M_TOKENS: z.coerce.number().min(0).default(3),
    AGENT_RETRAIN_MINUTES: z.coerce.number().min(0.01).max(10_080).default(10),
    TOGETHER_AI_API_KEY: optionalString,
    TOGETHER_BASE_URL: z.url().default('https://api.together.ai/v1'),
    TOGETHER_ENDPOINT_HARDWARE: z.string().min(1).default('1x_nvidia_h100_80gb_sxm'),
    OPENAI_BASE_URL: z.url().default('https://api.openai.com/v1'),
    REPLICATE_API_TOKEN: optionalString,
    REPLICATE_BASE_URL: z.url().default('https://api.replicate.com/v1'),
    REPLICATE_DESTINATION: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[a-z0-9][\w.-]*\/[a-z0-9][\w.-]*$/i, 'expected owner/model')
        .optional(),
    ),
    REPLICATE_DESTINATION_HARDWARE: z.string().min(1).default('gpu-a40-large'),
    REPLICATE_USD_PER_SECOND: z.coerce.number().min(0).default(0.0058),
    JOB_QUEUE: z.enum(['memory', 'redis']).default('memory'),
    RUN_JOBS: z.preprocess(emptyAsUndefined, booleanFlag.default(true)),
    QUEUE_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
    FINETUNE_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).optional(),
    WEBHOOK_ALLOWED_HOSTS: z.preprocess(
      (value) =>
        typeof value === 'string'
          ? value
              .split(',')
              .map((entry) => entry.trim())
              .filter(Boolean)
          : value,
      z.array(z.string().min(1).max(253)).default([]),
    ),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    AUTOMATION_TICK_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    AUTOMATION_RETRY_BACKOFF_MS: z.coerce.number().int().min(1).max(600_000).default(2_000),
    AUTOMATION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    TRAINER_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(120_000),
    TRAINER_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    SELF_HOSTED_INFERENCE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    SELF_HOSTED_INFERENCE_API_KEY: optionalString,
    SELF_HOSTED_ADAPTER_PATH: optionalString,
    METRICS_TOKEN: z.preprocess(
      emptyAsUndefined,
      z.string().min(16, 'use at least 16 characters').optional(),
    ),
    METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65_535).optional()),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUndefined, z.url().optional()),
    OTEL_SERVICE_NAME: z.string().min(1).default('crm-ai'),
    SLOW_REQUEST_MS: z.coerce.number().int().min(1).default(1000),
    OPERATIONS_SAMPLE_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    FINETUNE_PROVIDER_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(15_000),
    FINETUNE_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    // Which proxies may name the client in X-Forwarded-For (Fastify's trustProxy): `true` (any: only when
    // nothing can reach the service but the proxy), a hop count, or addresses and CIDR ranges, comma-separated.
    TRUST_PROXY: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((value): boolean | number | string[] => {
          if (value === 'true') return true;
          if (value === 'false') return false;
          if (/^\d+$/.test(value)) return Number(value);
          return value.split(',').map((entry) => entry.trim());
        })
        .optional(),
    ),
    BOOTSTRAP_DEMO: z.preprocess(emptyAsUndefined, booleanFlag.default(true)),
  })
  .superRefine((env, context) => {
    if (env.VECTOR_DB_BACKEND === 'pinecone' && !env.PINECONE_API_KEY) {
      context.addIssue({
        code: 'custom',
        path: ['PINECONE_API_KEY'],
        message: 'is required when VECTOR_DB_BACKEND=pinecone',
      });
    }
    if (env.EMBEDDING_PROVIDER === 'onnx' && !env.EMBEDDING_MODEL_PATH) {
      context.addIssue({
        code: 'custom',
        path: ['EMBEDDING_MODEL_PATH'],
        message: 'is required when EMBEDDING_PROVIDER=onnx (a local model directory; nothing is downloaded)',
      });
    }
    if (env.JOB_QUEUE === 'redis' && !env.REDIS_URL && !env.REDIS_ENABLED) {
      context.addIssue({
        code: 'custom',
        path: ['JOB_QUEUE'],
        message: 'redis needs Redis: set REDIS_URL (or REDIS_ENABLED=true with the REDIS_* variables)',
      });
    }
    if (env.VECTOR_DB_BACKEND === 'milvus' && !env.MILVUS_ADDRESS) {
      context.addIssue({
        code: 'custom',
        path: ['MILVUS_ADDRESS'],
        message: 'is required when VECTOR_DB_BACKEND=milvus',
      });
    }
  });

export type Environment = z.infer<typeof environmentSchema>;

export interface RedisConfig {
  url: string;
  /** Shown in logs and /ready without the password. */
  displayUrl: string;
}

export interface Config {
  env: Environment['NODE_ENV'];
  host: string;
  port: number;
  dataDir: string;
  logLevel: Environment['LOG_LEVEL'];
  database:
    | { engine: 'sqlite'; file: string }
    | { engine: 'postgres'; url: string; poolSize: number; schema?: string };
  redis: RedisConfig | undefined;
  cache: {
    namespace: string;
    l1MaxItems: number;
    l1MaxBytes: number;
    l2TimeoutMs: number;
    breakerThreshold: number;
    breakerCooldownMs: number;
  };
  fineTuning: {
    /** Whether this instance runs training jobs (any number of instances may). */
    worker: boolean;
    pollMs: number;
    /** How long a worker holds a job without reporting before another worker may take it over. */
    leaseMs: number;
    simulatorStepMs: number;
    gpuHourUsd: number;
    perMillionTokensUsd: { together: number; openai: number };
    /** Hosted training providers; a provider without its key refuses jobs with a clear message. */
    hosted: {
      pollMs: number;
      timeoutMs: number;
      together: { apiKey?: string; baseUrl: string; endpointHardware: string };
      openai: { apiKey?: string; baseUrl: string; pricePerMillionTokensUsd: number };
      replicate: {
        apiKey?: string;
        baseUrl: string;
        destination?: string;
        destinationHardware: string;
        usdPerSecond: number;
      };
    };
    /** Self-hosted training: the Python workers' lease and poll, and the inference server deployments load into. */
    selfHosted: {
      leaseMs: number;
      pollMs: number;
      /** An OpenAI-compatible server (vLLM) whose /v1 is here; deployments load adapters into it. */
      inferenceUrl?: string;
      inferenceApiKey?: string;
      /** The artifact directory as the inference server sees it (default: this service's own path). */
      adapterPath?: string;
    };
  };
  jobs: {
    /** `memory`: background work runs in the process that caused it; `redis`: a BullMQ queue shared by the cluster. */
    queue: 'memory' | 'redis';
    /** Whether this process consumes queued jobs (indexing, training); API instances of a cluster say no. */
    run: boolean;
    /** How long a silent worker keeps a queued job before another takes it over. */
    lockMs: number;
  };
  observability: {
    /** Bearer token for GET /metrics on the API port; unset, /metrics there is refused. */
    metricsToken?: string;
    /** A separate listener for /metrics without a token (bound to metricsHost). */
    metricsPort?: number;
    metricsHost: string;
    /** OTLP/HTTP endpoint for traces; unset, tracing is off. */
    otlpEndpoint?: string;
    serviceName: string;
    slowRequestMs: number;
    /** How often each instance stores an operations sample (the panel's 24-hour history). */
    operationsSampleMs: number;
  };
  /** Automation rules: webhook address policy, the schedule tick, retries and how many runs at once. */
  automation: {
    /** Hosts webhooks may reach even when internal; when set, the only ones. */
    webhookAllowedHosts: string[];
    webhookTimeoutMs: number;
    tickMs: number;
    retryBackoffMs: number;
    concurrency: number;
  };
  agentModel: {
    /** Unset: the analytic engine answers alone. */
    model?: string;
    baseUrl: string;
    apiKey?: string;
    timeoutMs: number;
    pricing: { inputPerMillion: number; outputPerMillion: number };
    retrainAfterMs: number;
  };
  vector:
    | { backend: 'local' }
    | {
        backend: 'pinecone';
        apiKey: string;
        index: string;
        indexHost?: string;
        controllerHostUrl?: string;
      }
    | {
        backend: 'milvus';
        address: string;
        protocol: 'rest' | 'grpc';
        token?: string;
        database?: string;
        collection: string;
      };
  embedding:
    | { provider: 'local'; dimensions: number }
    | { provider: 'onnx'; modelPath: string; dtype: 'auto' | 'fp32' | 'q8' }
    | {
        provider: 'auto';
        /** The pulled model to serve, and to pull on first start when the hub is reachable. */
        defaultModel: string;
        dtype: 'auto' | 'fp32' | 'q8';
        /** The local embedder's size, when it serves. */
        dimensions: number;
        /** OPENAI_API_KEY set and nothing else chosen: OpenAI's embeddings, as the mission configures. */
        openai?: { baseUrl: string; apiKey: string; model: string; dimensions: number };
      }
    | { provider: 'openai'; baseUrl: string; apiKey?: string; model: string; dimensions: number };
  providers: { openAiApiKey?: string; togetherApiKey?: string; replicateApiToken?: string };
  /** Where embedding models are downloaded from (`crm-ai models pull`, and EMBEDDING_PROVIDER=auto). */
  models: { hubEndpoint: string; hubToken?: string; autoPull: boolean };
  http: {
    bodyLimitBytes: number;
    rateLimitPerMinute: number;
    /** Proxies trusted to name the client address (X-Forwarded-For); false: the socket's address. */
    trustProxy: boolean | number | string[];
    /** Failed token attempts per client address per minute before 429s. */
    authFailuresPerMinute: number;
  };
  bootstrapDemo: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined>): Config {
  const parsed = environmentSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(issueLines(parsed.error, 'environment'));
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    dataDir,
    logLevel: env.LOG_LEVEL,
    database: env.DATABASE_URL
      ? {
          engine: 'postgres',
          url: env.DATABASE_URL,
          poolSize: env.DATABASE_POOL_SIZE,
          schema: env.DATABASE_SCHEMA,
        }
      : { engine: 'sqlite', file: path.join(dataDir, 'crm-ai.sqlite') },
    redis: resolveRedis(env),
    cache: {
      namespace: env.CACHE_NAMESPACE,
      l1MaxItems: env.CACHE_L1_MAX_ITEMS,
      l1MaxBytes: env.CACHE_L1_MAX_BYTES,
      l2TimeoutMs: env.CACHE_L2_TIMEOUT_MS,
      breakerThreshold: env.CACHE_BREAKER_THRESHOLD,
      breakerCooldownMs: env.CACHE_BREAKER_COOLDOWN_MS,
    },
    vector: resolveVector(env),
    fineTuning: {
      // RUN_JOBS=false turns training off too: a cluster's API instances leave it to workers.
      worker: env.FINETUNE_WORKER && env.RUN_JOBS,
      pollMs: env.FINETUNE_POLL_MS,
      // Long enough to outlast a hosted provider's poll interval, after which the lease is renewed.
      leaseMs:
        env.FINETUNE_LEASE_MS ??
        Math.max(30_000, env.FINETUNE_POLL_MS * 10, env.FINETUNE_PROVIDER_POLL_MS * 3),
      simulatorStepMs: env.FINETUNE_SIMULATOR_STEP_MS,
      gpuHourUsd: env.FINETUNE_GPU_HOUR_USD,
      perMillionTokensUsd: {
        together: env.TOGETHER_PRICE_PER_1M_TOKENS,
        openai: env.OPENAI_PRICE_PER_1M_TOKENS,
      },
      hosted: {
        pollMs: env.FINETUNE_PROVIDER_POLL_MS,
        timeoutMs: env.FINETUNE_PROVIDER_TIMEOUT_MS,
        together: {
          apiKey: env.TOGETHER_AI_API_KEY,
          baseUrl: env.TOGETHER_BASE_URL,
          endpointHardware: env.TOGETHER_ENDPOINT_HARDWARE,
        },
        openai: {
          apiKey: env.OPENAI_API_KEY,
          baseUrl: env.OPENAI_BASE_URL,
          pricePerMillionTokensUsd: env.OPENAI_PRICE_PER_1M_TOKENS,
        },
        replicate: {
          apiKey: env.REPLICATE_API_TOKEN,
          baseUrl: env.REPLICATE_BASE_URL,
          destination: env.REPLICATE_DESTINATION,
          destinationHardware: env.REPLICATE_DESTINATION_HARDWARE,
          usdPerSecond: env.REPLICATE_USD_PER_SECOND,
        },
      },
      selfHosted: {
        leaseMs: env.TRAINER_LEASE_MS,
        pollMs: env.TRAINER_POLL_MS,
        inferenceUrl: env.SELF_HOSTED_INFERENCE_URL,
        inferenceApiKey: env.SELF_HOSTED_INFERENCE_API_KEY,
        adapterPath: env.SELF_HOSTED_ADAPTER_PATH,
      },
    },
    jobs: { queue: env.JOB_QUEUE, run: env.RUN_JOBS, lockMs: env.QUEUE_LOCK_MS },
    observability: {
      metricsToken: env.METRICS_TOKEN,
      metricsPort: env.METRICS_PORT,
      metricsHost: env.METRICS_HOST,
      otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
      slowRequestMs: env.SLOW_REQUEST_MS,
      operationsSampleMs: env.OPERATIONS_SAMPLE_MS,
    },
    automation: {
      webhookAllowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
      webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
      tickMs: env.AUTOMATION_TICK_MS,
      retryBackoffMs: env.AUTOMATION_RETRY_BACKOFF_MS,
      concurrency: env.AUTOMATION_CONCURRENCY,
    },
    agentModel: {
      model: env.AGENT_MODEL,
      baseUrl: env.AGENT_MODEL_BASE_URL,
      apiKey: env.AGENT_MODEL_API_KEY ?? env.OPENAI_API_KEY,
      timeoutMs: env.AGENT_MODEL_TIMEOUT_MS,
      pricing: {
        inputPerMillion: env.AGENT_MODEL_COST_PER_1M_INPUT,
        outputPerMillion: env.AGENT_MODEL_COST_PER_1M_OUTPUT,
      },
      retrainAfterMs: env.AGENT_RETRAIN_MINUTES * 60_000,
    },
    embedding: resolveEmbedding(env),
    providers: {
      openAiApiKey: env.OPENAI_API_KEY,
      togetherApiKey: env.TOGETHER_AI_API_KEY,
      replicateApiToken: env.REPLICATE_API_TOKEN,
    },
    models: { hubEndpoint: env.HF_ENDPOINT, hubToken: env.HF_TOKEN, autoPull: env.MODEL_AUTO_PULL },
    http: {
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
      trustProxy: env.TRUST_PROXY ?? false,
    },
    bootstrapDemo: env.BOOTSTRAP_DEMO,
  };
}

function resolveVector(env: Environment): Config['vector'] {
  if (env.VECTOR_DB_BACKEND === 'pinecone') {
    return {
      backend: 'pinecone',
      apiKey: env.PINECONE_API_KEY!,
      index: env.PINECONE_INDEX,
      indexHost: env.PINECONE_INDEX_HOST,
      controllerHostUrl: env.PINECONE_CONTROLLER_HOST,
    };
  }
  if (env.VECTOR_DB_BACKEND === 'milvus') {
    return {
      backend: 'milvus',
      address: env.MILVUS_ADDRESS!,
      protocol: env.MILVUS_PROTOCOL,
      token: env.MILVUS_TOKEN,
      database: env.MILVUS_DATABASE,
      collection: env.MILVUS_COLLECTION,
    };
  }
  return { backend: 'local' };
}

function resolveEmbedding(env: Environment): Config['embedding'] {
  if (env.EMBEDDING_PROVIDER === 'onnx' || (env.EMBEDDING_PROVIDER === 'auto' && env.EMBEDDING_MODEL_PATH))
    return { provider: 'onnx', modelPath: env.EMBEDDING_MODEL_PATH!, dtype: env.EMBEDDING_DTYPE };
  if (env.EMBEDDING_PROVIDER === 'auto') {
    const apiKey = env.EMBEDDING_API_KEY ?? env.OPENAI_API_KEY;
    return {
      provider: 'auto',
      defaultModel: env.EMBEDDING_DEFAULT_MODEL,
      dtype: env.EMBEDDING_DTYPE,
      dimensions: env.EMBEDDING_DIMENSIONS ?? 384,
      openai: apiKey
        ? { baseUrl: env.EMBEDDING_BASE_URL, apiKey, model: env.EMBEDDING_MODEL, dimensions: 1536 }
        : undefined,
    };
  }
  if (env.EMBEDDING_PROVIDER === 'openai') {
    return {
      provider: 'openai',
      baseUrl: env.EMBEDDING_BASE_URL,
      apiKey: env.EMBEDDING_API_KEY ?? env.OPENAI_API_KEY,
      model: env.EMBEDDING_MODEL,
      // text-embedding-3-small answers 1536 dimensions unless asked for fewer.
      dimensions: env.EMBEDDING_DIMENSIONS ?? 1536,
    };
  }
  return { provider: 'local', dimensions: env.EMBEDDING_DIMENSIONS ?? 384 };
}

/**
 * REDIS_URL wins; otherwise the mission's REDIS_ENABLED/HOST/PORT/PASSWORD/DB. REDIS_ENABLED=false turns
 * Redis off even when REDIS_URL is set, so one flag disables it everywhere.
 */
function resolveRedis(env: Environment): RedisConfig | undefined {
  if (env.REDIS_ENABLED === false) return undefined;
  if (env.REDIS_URL) return { url: env.REDIS_URL, displayUrl: redactUrl(env.REDIS_URL) };
  if (env.REDIS_ENABLED !== true) return undefined;
  const auth = env.REDIS_PASSWORD ? `:${encodeURIComponent(env.REDIS_PASSWORD)}@` : '';
  const url = `redis://${auth}${env.REDIS_HOST}:${env.REDIS_PORT}/${env.REDIS_DB}`;
  return { url, displayUrl: redactUrl(url) };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** What `npm run production` needs before it will start: a shared database and Redis. */
export function productionProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.database.engine !== 'postgres') {
    problems.push('DATABASE_URL: production mode needs PostgreSQL (set DATABASE_URL=postgres://...)');
  }
  if (!config.redis) {
    problems.push(
      'REDIS_URL: production mode needs Redis (set REDIS_URL or REDIS_ENABLED=true with REDIS_HOST)',
    );
  }
  return problems;
}
