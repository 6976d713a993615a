// Fixed lists the fine-tuning pages offer.

export const DATASET_TYPES = ['instruction', 'chat', 'completion', 'classification', 'qa', 'summarization'];
export const TERMINAL = ['succeeded', 'failed', 'cancelled'];
