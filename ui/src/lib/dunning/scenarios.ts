/**
 * Pure helpers of the scenario editor: the form a scenario is edited in (its lists as text), back
 * to the core's `ScenarioDto`, and the step list operations. The core checks the rest (anchor,
 * channel, tone and template exist; a mise en demeure always needs validation) and its error is
 * shown as it comes.
 */
import type { ScenarioDto } from "../bindings/ScenarioDto";
import type { StepDto } from "../bindings/StepDto";
import { parseAmount } from "./view";

/** Anchors a step can be counted from (encours_domain::dunning::Anchor). */
export const ANCHORS = ["due_date", "made_available", "previous_step"] as const;
/** Channels of a step (encours_domain::dunning::Channel codes). */
export const STEP_CHANNELS = ["email", "letter", "lrar", "lre", "phone", "sms"] as const;
/** Tones of a step (encours_domain::dunning::Tone codes). */
export const TONES = ["courtois", "ferme", "dernier_avis", "mise_en_demeure"] as const;

/** A scenario as the form holds it: the lists and amounts as typed. */
export interface ScenarioForm {
  id: number;
  name: string;
  priority: number;
  active: boolean;
  minAmount: string;
  maxAmount: string;
  riskGrades: string;
  nafPrefixes: string;
  clientIds: string;
  steps: StepDto[];
}

/** The items of a comma- (or semicolon-, or space-) separated list, trimmed, without empties. */
export function splitList(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/** The form of a scenario (a deep copy: editing never touches the list shown). */
export function toForm(s: ScenarioDto): ScenarioForm {
  return {
    id: s.id,
    name: s.name,
    priority: s.priority,
    active: s.active,
    minAmount: s.minAmount ?? "",
    maxAmount: s.maxAmount ?? "",
    riskGrades: s.riskGrades.join(", "),
    nafPrefixes: s.nafPrefixes.join(", "),
    clientIds: s.clientIds.join(", "),
    steps: s.steps.map((st) => ({ ...st })),
  };
}

/**
 * An amount as the core reads it: a typed French or English amount ("1 500,50") becomes
 * "1500.50"; empty is no bound; anything else is sent as typed, so that the core's refusal names it.
 */
function amountOrNull(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  return parseAmount(trimmed) ?? trimmed;
}

/**
 * The scenario to send to the core. Client ids that are not whole numbers are kept out of the
 * list and returned apart, so the screen can say which ones it could not read.
 */
export function fromForm(form: ScenarioForm): { scenario: ScenarioDto; unreadClients: string[] } {
  const clients = splitList(form.clientIds);
  const unreadClients = clients.filter((c) => !/^\d+$/.test(c));
  return {
    scenario: {
      id: form.id,
      name: form.name.trim(),
      priority: Number.isFinite(form.priority) ? Math.trunc(form.priority) : 0,
      active: form.active,
      minAmount: amountOrNull(form.minAmount),
      maxAmount: amountOrNull(form.maxAmount),
      riskGrades: splitList(form.riskGrades),
      nafPrefixes: splitList(form.nafPrefixes),
      clientIds: clients.filter((c) => /^\d+$/.test(c)).map(Number),
      steps: form.steps.map((st) => ({
        ...st,
        name: st.name.trim(),
        offsetDays: Number.isFinite(st.offsetDays) ? Math.trunc(st.offsetDays) : 0,
        // A mise en demeure is never sent without a person (the core forces it too).
        needsValidation: st.needsValidation || st.tone === "mise_en_demeure",
      })),
    },
    unreadClients,
  };
}

/** A new empty scenario, tried after the existing ones. */
export function blankScenario(existing: readonly ScenarioDto[]): ScenarioForm {
  const last = existing.reduce((max, s) => Math.max(max, s.priority), 0);
  return {
    id: 0,
    name: "",
    priority: last + 10,
    active: true,
    minAmount: "",
    maxAmount: "",
    riskGrades: "",
    nafPrefixes: "",
    clientIds: "",
    steps: [],
  };
}

/** A new step after the others: an e-mail 15 days after the previous step's date (or the due date). */
export function newStep(steps: readonly StepDto[], name: string, templateId: string): StepDto {
  return {
    name,
    anchor: steps.length === 0 ? "due_date" : "previous_step",
    offsetDays: steps.length === 0 ? 1 : 15,
    channel: "email",
    tone: "ferme",
    templateId,
    needsValidation: false,
  };
}

/** The steps with step `index` moved by `delta` places (unchanged when it would leave the list). */
export function moveStep(steps: readonly StepDto[], index: number, delta: number): StepDto[] {
  const target = index + delta;
  const next = [...steps];
  if (index < 0 || index >= steps.length || target < 0 || target >= steps.length) return next;
  const [moved] = next.splice(index, 1);
  if (moved) next.splice(target, 0, moved);
  return next;
}

/** The steps without step `index`. */
export function removeStep(steps: readonly StepDto[], index: number): StepDto[] {
  return steps.filter((_, i) => i !== index);
}
