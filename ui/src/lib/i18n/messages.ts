/**
 * UI text. French is the reference dictionary; English must have exactly the same keys
 * (the `Messages` type enforces it). Placeholders are written `{name}`.
 */
export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];

const fr = {
  "app.name": "Encours",
  "app.pitch": "Vos créances clients, à jour chaque jour.",
  "app.skip": "Aller au contenu",
  "lang.label": "Langue",
  "lang.fr": "Français",
  "lang.en": "English",

  "welcome.heading": "Bienvenue",
  "welcome.intro": "Choisissez un dossier pour commencer. Un dossier est un fichier chiffré qui contient le grand livre clients d'une entreprise.",
  "welcome.create.title": "Créer un dossier",
  "welcome.create.desc": "Un nouveau fichier chiffré pour votre entreprise.",
  "welcome.open.title": "Ouvrir un dossier",
  "welcome.open.desc": "Reprendre un dossier existant à partir de son chemin.",
  "welcome.demo.title": "Ouvrir la démo",
  "welcome.demo.desc": "Un portefeuille fictif, généré sur votre poste, pour découvrir Encours sans risque.",
  "welcome.demo.running": "Génération du portefeuille de démonstration…",
  "welcome.demo.path": "Emplacement : {path}",

  "field.path": "Chemin du fichier",
  "field.path.placeholder": "/home/marie/Dossiers/acme.encours",
  "field.siren": "SIREN",
  "field.siren.hint": "9 chiffres ; les espaces sont acceptés.",
  "field.name": "Raison sociale",
  "field.name.placeholder": "ACME Industrie SAS",
  "field.required": "obligatoire",

  "validation.pathRequired": "Indiquez le chemin du fichier.",
  "validation.nameRequired": "Indiquez la raison sociale.",
  "validation.sirenEmpty": "Indiquez le SIREN de l'entreprise.",
  "validation.sirenFormat": "Le SIREN comporte exactement 9 chiffres.",
  "validation.sirenChecksum": "Ce SIREN n'existe pas : sa clé de contrôle (algorithme de Luhn) est fausse. Vérifiez la saisie.",

  "action.create": "Créer le dossier",
  "action.open": "Ouvrir",
  "action.demo": "Ouvrir la démo",
  "action.close": "Fermer le dossier",
  "action.retry": "Réessayer",
  "busy.create": "Création du dossier…",
  "busy.open": "Ouverture du dossier…",
  "busy.close": "Fermeture…",
  "busy.starting": "Démarrage…",

  "footer.version": "Version {version}",
  "footer.key.keyring": "Clé de chiffrement : trousseau du système",
  "footer.key.environment": "Clé de chiffrement : variable ENCOURS_KEY_HEX",

  "nav.label": "Sections",
  "nav.dashboard": "Tableau de bord",
  "nav.portfolio": "Portefeuille",
  "nav.dailyPlan": "Plan du jour",
  "nav.reconciliation": "Rapprochement",
  "nav.disputes": "Litiges",
  "nav.alerts": "Alertes",
  "nav.imports": "Imports",
  "nav.sync": "Synchronisation",
  "nav.settings": "Paramètres",
  "nav.soon": "bientôt",

  "summary.siren": "SIREN {siren}",
  "summary.file": "Fichier :",
  "summary.asOf": "au {date}",
  "summary.clients": "Clients",
  "summary.invoices": "Factures",
  "summary.openBalance": "Encours total",
  "summary.openItems": "Pièces ouvertes : {count}",
  "summary.overdueBalance": "Échu",
  "summary.overdueItems": "Pièces échues",
  "summary.overdueItemsOf": "sur {count} pièces ouvertes",
  "summary.overdueItemsCount": "Pièces échues : {count}",
  "summary.integrityTitle": "Contrôle du dossier",
  "summary.integrity": "Intégrité : {status}",
  "summary.integrityOk": "ok",
  "summary.integrityProblem": "Le contrôle d'intégrité du dossier a signalé un problème.",
  "summary.otherCurrencies": "Hors euro, non inclus :",

  "error.detail": "Détail :",
  "error.code": "Code",
  "error.dismiss": "Masquer",
} as const;

export type MessageKey = keyof typeof fr;
export type Messages = Readonly<Record<MessageKey, string>>;

const en: Messages = {
  "app.name": "Encours",
  "app.pitch": "Your customer receivables, up to date every day.",
  "app.skip": "Skip to content",
  "lang.label": "Language",
  "lang.fr": "Français",
  "lang.en": "English",

  "welcome.heading": "Welcome",
  "welcome.intro": "Pick a dossier to start. A dossier is an encrypted file holding one company's receivables ledger.",
  "welcome.create.title": "Create a dossier",
  "welcome.create.desc": "A new encrypted file for your company.",
  "welcome.open.title": "Open a dossier",
  "welcome.open.desc": "Continue with an existing dossier from its path.",
  "welcome.demo.title": "Open the demo",
  "welcome.demo.desc": "A fictitious portfolio, generated on this computer, to try Encours safely.",
  "welcome.demo.running": "Generating the demo portfolio…",
  "welcome.demo.path": "Location: {path}",

  "field.path": "File path",
  "field.path.placeholder": "/home/marie/Dossiers/acme.encours",
  "field.siren": "SIREN",
  "field.siren.hint": "9 digits; spaces are accepted.",
  "field.name": "Company name",
  "field.name.placeholder": "ACME Industrie SAS",
  "field.required": "required",

  "validation.pathRequired": "Enter the file path.",
  "validation.nameRequired": "Enter the company name.",
  "validation.sirenEmpty": "Enter the company's SIREN.",
  "validation.sirenFormat": "A SIREN has exactly 9 digits.",
  "validation.sirenChecksum": "This SIREN does not exist: its check digit (Luhn algorithm) is wrong. Check what you typed.",

  "action.create": "Create the dossier",
  "action.open": "Open",
  "action.demo": "Open the demo",
  "action.close": "Close dossier",
  "action.retry": "Try again",
  "busy.create": "Creating the dossier…",
  "busy.open": "Opening the dossier…",
  "busy.close": "Closing…",
  "busy.starting": "Starting…",

  "footer.version": "Version {version}",
  "footer.key.keyring": "Encryption key: system keyring",
  "footer.key.environment": "Encryption key: ENCOURS_KEY_HEX variable",

  "nav.label": "Sections",
  "nav.dashboard": "Dashboard",
  "nav.portfolio": "Portfolio",
  "nav.dailyPlan": "Today's plan",
  "nav.reconciliation": "Reconciliation",
  "nav.disputes": "Disputes",
  "nav.alerts": "Alerts",
  "nav.imports": "Imports",
  "nav.sync": "Synchronisation",
  "nav.settings": "Settings",
  "nav.soon": "soon",

  "summary.siren": "SIREN {siren}",
  "summary.file": "File:",
  "summary.asOf": "as of {date}",
  "summary.clients": "Customers",
  "summary.invoices": "Invoices",
  "summary.openBalance": "Total outstanding",
  "summary.openItems": "Open items: {count}",
  "summary.overdueBalance": "Overdue",
  "summary.overdueItems": "Overdue items",
  "summary.overdueItemsOf": "of {count} open items",
  "summary.overdueItemsCount": "Overdue items: {count}",
  "summary.integrityTitle": "Dossier check",
  "summary.integrity": "Integrity: {status}",
  "summary.integrityOk": "ok",
  "summary.integrityProblem": "The dossier integrity check reported a problem.",
  "summary.otherCurrencies": "Other currencies, not included:",

  "error.detail": "Detail:",
  "error.code": "Code",
  "error.dismiss": "Dismiss",
};

export const DICTIONARIES: Readonly<Record<Locale, Messages>> = { fr, en };

/** Replaces `{name}` placeholders; unknown placeholders are left as written. */
export function interpolate(template: string, params?: Readonly<Record<string, string | number>>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}
