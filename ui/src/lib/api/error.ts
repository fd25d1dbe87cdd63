import type { ApiError } from "../bindings/ApiError";
import type { ErrorCode } from "../bindings/ErrorCode";

/**
 * Every code the backend may send. `satisfies Record<ErrorCode, true>` makes the compiler reject
 * this object when the generated `ErrorCode` union gains or loses a member.
 */
const KNOWN_CODES = {
  DossierNotFound: true,
  DossierExists: true,
  NotADossier: true,
  KeyUnavailable: true,
  WrongKey: true,
  InvalidInput: true,
  NoDossierOpen: true,
  Storage: true,
  Io: true,
  Platform: true,
  Internal: true,
} as const satisfies Record<ErrorCode, true>;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(KNOWN_CODES, value);
}

/** A rejected command, carrying the backend's `ApiError` fields. */
export class CommandError extends Error implements ApiError {
  readonly code: ErrorCode;
  /** The command that failed, for logs only. */
  readonly command: string;

  constructor(code: ErrorCode, message: string, command: string) {
    super(message);
    this.name = "CommandError";
    this.code = code;
    this.command = command;
  }
}

function messageOf(reason: unknown): string {
  if (typeof reason === "string") return reason;
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "object" && reason !== null && "message" in reason) {
    const { message } = reason;
    if (typeof message === "string") return message;
  }
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/**
 * Turns whatever `invoke` rejected with into a `CommandError`.
 * A well-formed `ApiError` keeps its code; anything else (a plain string from Tauri such as
 * "command x not found", a thrown `Error`, an unknown code) becomes `Internal`.
 */
export function toCommandError(reason: unknown, command: string): CommandError {
  if (reason instanceof CommandError) return reason;
  if (typeof reason === "object" && reason !== null && "code" in reason) {
    const { code } = reason;
    if (isErrorCode(code)) return new CommandError(code, messageOf(reason), command);
  }
  return new CommandError("Internal", messageOf(reason), command);
}
