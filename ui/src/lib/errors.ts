/**
 * What the user sees for each backend error code: one table, French first, English second.
 * The UI never parses `ApiError.message`; it shows the table text and the message as a detail.
 */
import type { ApiError } from "./bindings/ApiError";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { Locale } from "./i18n/messages";

export interface ErrorText {
  title: string;
  hint: string;
}

export const ERROR_TABLE: Readonly<Record<ErrorCode, Readonly<Record<Locale, ErrorText>>>> = {
  DossierNotFound: {
    fr: {
      title: "Dossier introuvable",
      hint: "Aucun dossier n'existe à cet emplacement. Vérifiez le chemin du fichier.",
    },
    en: {
      title: "Dossier not found",
      hint: "There is no dossier at this location. Check the file path.",
    },
  },
  DossierExists: {
    fr: {
      title: "Un dossier existe déjà à cet emplacement",
      hint: "Choisissez un autre nom de fichier, ou ouvrez le dossier existant.",
    },
    en: {
      title: "A dossier already exists at this location",
      hint: "Choose another file name, or open the existing dossier.",
    },
  },
  NotADossier: {
    fr: {
      title: "Ce fichier n'est pas un dossier Encours",
      hint: "Le fichier existe mais ne peut pas être lu comme un dossier Encours. Vérifiez que vous avez choisi le bon fichier.",
    },
    en: {
      title: "This file is not an Encours dossier",
      hint: "The file exists but cannot be read as an Encours dossier. Check that you picked the right file.",
    },
  },
  KeyUnavailable: {
    fr: {
      title: "Trousseau du système indisponible",
      hint: "La clé de chiffrement n'a pas pu être lue dans le trousseau du système. Déverrouillez le trousseau de votre session ; sur un poste sans interface graphique, définissez la variable d'environnement ENCOURS_KEY_HEX (64 caractères hexadécimaux).",
    },
    en: {
      title: "System keyring unavailable",
      hint: "The encryption key could not be read from the system keyring. Unlock your session keyring; on a headless machine, set the ENCOURS_KEY_HEX environment variable (64 hexadecimal characters).",
    },
  },
  WrongKey: {
    fr: {
      title: "Clé de chiffrement incorrecte",
      hint: "Ce dossier a été chiffré avec une autre clé. Ouvrez-le sur le poste qui l'a créé, avec la même valeur de ENCOURS_KEY_HEX, ou avec sa phrase secrète s'il en a une.",
    },
    en: {
      title: "Wrong encryption key",
      hint: "This dossier was encrypted with another key. Open it on the computer that created it, with the same ENCOURS_KEY_HEX value, or with its passphrase if it has one.",
    },
  },
  InvalidInput: {
    fr: {
      title: "Saisie invalide",
      hint: "Corrigez les informations saisies puis réessayez.",
    },
    en: {
      title: "Invalid input",
      hint: "Correct what you entered and try again.",
    },
  },
  NoDossierOpen: {
    fr: {
      title: "Aucun dossier ouvert",
      hint: "Ouvrez ou créez un dossier pour continuer.",
    },
    en: {
      title: "No dossier open",
      hint: "Open or create a dossier to continue.",
    },
  },
  Storage: {
    fr: {
      title: "Erreur de lecture ou d'écriture du dossier",
      hint: "La base de données du dossier a refusé l'opération. Réessayez ; si le problème persiste, restaurez une sauvegarde.",
    },
    en: {
      title: "Dossier read or write error",
      hint: "The dossier database refused the operation. Try again; if the problem persists, restore a backup.",
    },
  },
  Io: {
    fr: {
      title: "Erreur d'accès au fichier",
      hint: "Vérifiez que le répertoire existe, que vous avez le droit d'y écrire et qu'il reste de la place sur le disque.",
    },
    en: {
      title: "File access error",
      hint: "Check that the folder exists, that you may write to it and that the disk is not full.",
    },
  },
  Platform: {
    fr: {
      title: "La plateforme agréée a refusé ou n'a pas répondu",
      hint: "Le détail ci-dessous nomme le compte, l'adresse appelée, le statut HTTP et le code d'erreur de la plateforme. Vérifiez l'adresse et les identifiants du compte dans les paramètres, puis réessayez ; si la plateforme est indisponible, la prochaine synchronisation reprendra là où elle s'est arrêtée.",
    },
    en: {
      title: "The e-invoicing platform refused or did not answer",
      hint: "The detail below names the account, the URL called, the HTTP status and the platform's error code. Check the account's address and credentials in the settings, then try again; if the platform is down, the next sync resumes where this one stopped.",
    },
  },
  Internal: {
    fr: {
      title: "Erreur interne",
      hint: "Une erreur inattendue s'est produite. Réessayez ; si elle se reproduit, transmettez le détail ci-dessous au support.",
    },
    en: {
      title: "Internal error",
      hint: "Something unexpected happened. Try again; if it happens again, send the detail below to support.",
    },
  },
};

export interface ErrorView extends ErrorText {
  code: ErrorCode;
  /** The backend's message, shown as is (never parsed). */
  detail: string;
}

export function describeError(error: ApiError, locale: Locale): ErrorView {
  const text = ERROR_TABLE[error.code][locale];
  return { code: error.code, title: text.title, hint: text.hint, detail: error.message };
}
