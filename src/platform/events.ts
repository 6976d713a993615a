// In-process domain events. Modules subscribe to what others publish instead of reaching into their tables.
import { EventEmitter } from 'node:events';

export type ChangeKind = 'created' | 'updated' | 'deleted';

export interface EntityChangedEvent {
  kind: ChangeKind;
  workspaceId: string;
  entityType: string;
  entityId: string;
  /** Set on create and update; absent on delete. */
  record?: Record<string, unknown>;
  /**
   * Names the change in pending_record_changes (written in the record's transaction); a consumer that has
   * made the change durable settles it with RecordsService.settleChanges, and unsettled ones are replayed.
   */
  changeToken?: string;
}

export interface DomainEvents {
  'entity.changed': EntityChangedEvent;
}

type Listener<T> = (payload: T) => void | Promise<void>;

export interface EventBus {
  on<K extends keyof DomainEvents>(name: K, listener: Listener<DomainEvents[K]>): () => void;
  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void;
}

/**
 * Listeners run after the write has committed and never fail the write: a listener's error is
 * reported through onListenerError (logged by the platform), because the record is already stored.
 */
export function createEventBus(onListenerError: (error: unknown, event: string) => void): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(100);
  return {
    on(name, listener) {
      // biome-ignore lint/suspicious/noExplicitAny: EventEmitter is untyped; the signature above types it
      const wrapped = (payload: any) => {
        try {
          const result = listener(payload);
          if (result instanceof Promise) result.catch((error) => onListenerError(error, name));
        } catch (error) {
          onListenerError(error, name);
        }
      };
      emitter.on(name, wrapped);
      return () => emitter.off(name, wrapped);
    },
    emit(name, payload) {
      emitter.emit(name, payload);
    },
  };
}
