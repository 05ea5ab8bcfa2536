/**
 * A hub configuration (a file or the `config` option) that the emulator refuses: it names where the
 * configuration came from, the field, and what is allowed. A `TypeError`, like the emulator's other option
 * errors, so the `webpubsub emulator` command reports it as a usage error.
 */
export class EmulatorConfigError extends TypeError {
  /** A stable code for `catch` blocks. */
  readonly code = "ERR_EMULATOR_CONFIG";
  /** The file's path, or `config option` for an in-process object. */
  readonly source: string;
  /** The path of the refused field in the configuration, e.g. `hubs.chat.eventHandlers[1].userEventPattern`. */
  readonly field: string;

  constructor(source: string, field: string, problem: string) {
    super(`${source}: ${field === "" ? "" : `${field}: `}${problem}`);
    this.name = "EmulatorConfigError";
    this.source = source;
    this.field = field;
  }
}
