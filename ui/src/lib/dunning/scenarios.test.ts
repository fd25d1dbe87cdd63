import { describe, expect, it } from "vitest";
import type { ScenarioDto } from "../bindings/ScenarioDto";
import { blankScenario, fromForm, moveStep, newStep, removeStep, splitList, toForm } from "./scenarios";

const scenario = (): ScenarioDto => ({
  id: 3,
  name: "Gros montants",
  priority: 5,
  active: true,
  minAmount: "20000.00",
  maxAmount: null,
  riskGrades: ["C", "D"],
  nafPrefixes: ["41"],
  clientIds: [12, 40],
  steps: [
    { name: "J+1", anchor: "due_date", offsetDays: 1, channel: "email", tone: "courtois", templateId: "relance_courtoise", needsValidation: false },
    { name: "MED", anchor: "previous_step", offsetDays: 15, channel: "lrar", tone: "mise_en_demeure", templateId: "mise_en_demeure", needsValidation: false },
  ],
});

describe("scenario form", () => {
  it("splits typed lists on commas, semicolons and spaces", () => {
    expect(splitList(" 41, 43;  47  ")).toEqual(["41", "43", "47"]);
    expect(splitList("")).toEqual([]);
  });

  it("goes to the form and back unchanged, except a mise en demeure always validated", () => {
    const back = fromForm(toForm(scenario()));
    expect(back.unreadClients).toEqual([]);
    expect(back.scenario).toEqual({
      ...scenario(),
      steps: [scenario().steps[0], { ...scenario().steps[1], needsValidation: true }],
    });
  });

  it("reads amounts typed the French way, empty as no bound, and sets unreadable client ids apart", () => {
    const form = { ...toForm(scenario()), minAmount: "1 500,5", maxAmount: "  ", clientIds: "12, abc, 7" };
    const { scenario: s, unreadClients } = fromForm(form);
    expect(s.minAmount).toBe("1500.50");
    expect(s.maxAmount).toBeNull();
    expect(s.clientIds).toEqual([12, 7]);
    expect(unreadClients).toEqual(["abc"]);
    // Something that is no amount goes as typed, for the core to refuse naming it.
    expect(fromForm({ ...form, minAmount: "beaucoup" }).scenario.minAmount).toBe("beaucoup");
  });

  it("moves, removes and adds steps", () => {
    const steps = scenario().steps;
    expect(moveStep(steps, 1, -1).map((s) => s.name)).toEqual(["MED", "J+1"]);
    expect(moveStep(steps, 0, -1).map((s) => s.name)).toEqual(["J+1", "MED"]);
    expect(moveStep(steps, 1, 1).map((s) => s.name)).toEqual(["J+1", "MED"]);
    expect(removeStep(steps, 0).map((s) => s.name)).toEqual(["MED"]);
    expect(newStep([], "Nouvelle", "relance_courtoise")).toMatchObject({ anchor: "due_date", offsetDays: 1 });
    expect(newStep(steps, "Nouvelle", "relance_ferme")).toMatchObject({ anchor: "previous_step", offsetDays: 15, templateId: "relance_ferme" });
  });

  it("starts a new scenario after the existing ones, with id 0 (create)", () => {
    const blank = blankScenario([scenario(), { ...scenario(), priority: 100 }]);
    expect(blank.id).toBe(0);
    expect(blank.priority).toBe(110);
    expect(blank.steps).toEqual([]);
  });
});
