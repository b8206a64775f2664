# The customer's pages: the frame, the start page, sign-in, preferences, history.
# Each language folder holds the same keys. `$name` placeholders are filled in by the code.

## What this language is called, in itself (the language switch and "Your details").
language-name = Deutsch

## The frame of every page; { $org } is the organisation's name (ATTUNE_ORG_NAME).
site-title = { $org } – Ihre Einstellungen für Nachrichten
site-description = Wählen Sie, welche Nachrichten Sie erhalten, auf welchem Weg und wie oft.
site-footer = { $org } hält fest, welche Nachrichten Sie sich gewünscht haben – und nur diese.
language-switch-label = Sprache

## Start page and sign-in
home-heading = Ihre Nachrichten, wie Sie sie möchten
home-intro = Wählen Sie, welche Nachrichten Sie von uns erhalten, auf welchem Weg und wie oft. Mit „nur zur Information“ fasst niemand bei Ihnen nach.
sign-in-heading = Anmelden
sign-in-intro = Wir senden Ihnen per E-Mail einen Link, mit dem Sie sich anmelden. Ein Passwort ist nicht nötig.
email-label = E-Mail-Adresse
sign-in-button = Anmeldelink per E-Mail senden
sign-in-sending = Wird gesendet …
sign-in-requested = Danke. Wenn uns diese Adresse bekannt ist, ist ein Anmeldelink unterwegs. Er gilt einmalig und 15 Minuten lang.
signed-out = Sie sind abgemeldet.
sign-in-prompt-heading = Bitte melden Sie sich an
sign-in-prompt-text = Um Ihre Einstellungen zu sehen oder zu ändern, melden Sie sich mit dem Link an, den wir Ihnen per E-Mail senden. Oder nutzen Sie den Link „Einstellungen verwalten“ in einer unserer Nachrichten.
sign-in-prompt-link = Anmeldelink anfordern

auth-checking = Ihr Link wird geprüft …
auth-heading = Bei { $org } anmelden
auth-press-continue = Wählen Sie „Weiter“, um sich auf diesem Gerät anzumelden.
auth-continue = Weiter
auth-used = Dieser Anmeldelink wurde bereits verwendet.
auth-expired = Dieser Anmeldelink ist abgelaufen: Links gelten 15 Minuten lang.
auth-unknown = Dieser Anmeldelink ist ungültig. Vielleicht wurde er nicht vollständig kopiert.
auth-unchecked = Wir konnten diesen Link gerade nicht prüfen. Bitte versuchen Sie es noch einmal.
redeem-used = Dieser Link wurde bereits verwendet. Fordern Sie unten einen neuen an.
redeem-expired = Dieser Link ist abgelaufen. Fordern Sie unten einen neuen an.
redeem-unknown = Dieser Link ist ungültig. Fordern Sie unten einen neuen an.
redeem-address-changed = Dieser Link wurde an eine Adresse geschickt, die wir nicht mehr für Sie gespeichert haben. Fordern Sie unten einen neuen an.
auth-problem-heading = Mit diesem Link ist keine Anmeldung möglich
auth-new-link = Neuen Link per E-Mail senden

not-found-heading = Seite nicht gefunden
not-found-text = Diese Seite gibt es nicht.
not-found-link = Zur Startseite

## Errors a page shows
error-not-signed-in = Bitte melden Sie sich an, um Ihre Einstellungen zu sehen.
error-internal = Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es gleich noch einmal.
error-transport = Die Anfrage konnte nicht abgeschlossen werden. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es noch einmal.
error-link-dead = Dieser Link funktioniert nicht mehr. Bitte melden Sie sich stattdessen an.
error-too-many-sign-ins = Zu viele Anmeldeanfragen. Bitte warten Sie 15 Minuten und versuchen Sie es dann noch einmal.
error-no-topic = Das Thema „{ $topic }“ gibt es nicht.
error-pause-date = Bitte wählen Sie das Datum, bis zu dem pausiert werden soll.
error-pause-choice = Unbekannte Auswahl für die Pause: { $choice }.
error-email-needed = Bitte geben Sie eine E-Mail-Adresse ein: Damit melden Sie sich an.
not-saved = Nicht gespeichert: { $error }

## The preference page
prefs-loading = Ihre Einstellungen werden geladen …
prefs-heading = Ihre Einstellungen für Nachrichten
prefs-intro = Wählen Sie, was wir Ihnen senden, auf welchem Weg und wie oft.
prefs-for = Für <strong>{ $email }</strong>.
prefs-signed-in-as = Angemeldet als <strong>{ $email }</strong>.
prefs-via-link = Sie haben diese Seite über einen Link in einer unserer Nachrichten geöffnet. <a href="/">Melden Sie sich an</a>, um Ihren Verlauf zu sehen, Ihre Daten herunterzuladen oder Ihre Angaben zu ändern.
prefs-history-link = Ihr Verlauf
prefs-download = Meine Daten herunterladen
sign-out = Abmelden
saved-heading = Gespeichert
saved-nothing-heading = Nichts geändert
notice-unsubscribed-all = <strong>Sie haben alle optionalen Nachrichten abbestellt.</strong> Erforderliche Nachrichten wie Terminerinnerungen und Anmeldelinks erhalten Sie weiterhin.
notice-paused = <strong>Pausiert bis { $date }.</strong> Erforderliche Nachrichten erhalten Sie weiterhin.
topics-heading = Themen
topics-hint = Öffnen Sie ein Thema, um es zu ändern.
everything-heading = Für alle Nachrichten

## One topic
topic-off = aus
topic-no-channel = kein Kontaktweg gewählt
topic-info-only = nur zur Information
topic-required-note = Erforderlich: Diese Nachrichten lassen sich nicht abschalten, weil Sie sie brauchen. Den Kontaktweg können Sie aber wählen.
topic-send-me = { $topic } erhalten
topic-how = Auf welchem Weg
topic-how-often = Wie oft höchstens
topic-info-only-label = Nur zur Information: bitte nie mit Anrufen oder Verkaufsnachrichten nachfassen
topic-save = Für { $topic } speichern
topic-saving = Wird gespeichert …
topic-saved = Gespeichert: { $items }.
topic-nothing-changed = Nichts geändert.
topic-undo = Rückgängig machen
topic-note-email-disputed = Es wurde gemeldet, dass diese E-Mail-Adresse nicht Ihnen gehört; unser Team prüft das.
topic-note-phone-disputed = Es wurde gemeldet, dass diese Telefonnummer nicht Ihnen gehört; unser Team prüft das.
topic-note-no-email = Wir haben keine E-Mail-Adresse von Ihnen.
topic-note-no-phone = Wir haben keine Telefonnummer von Ihnen und können Ihnen daher weder SMS senden noch Sie anrufen.
topic-note-no-push = Unsere App ist noch nicht für Benachrichtigungen eingerichtet.

## Choices for everything
global-heading = Pausen, Ruhezeiten, Anrufe und SMS
global-summary-paused = pausiert bis { $date }
global-summary-not-paused = nicht pausiert
global-summary-quiet = Ruhezeit { $start }–{ $end }
global-summary-no-calls-texts = keine Anrufe und SMS
global-summary-no-calls = keine Anrufe
global-summary-no-texts = keine SMS
pause-legend = Eine Pause einlegen
pause-keep = Pause bis { $date } beibehalten
pause-none = Keine Pause
pause-week = 1 Woche pausieren
pause-month = 1 Monat pausieren
pause-until-choice = Bis zu einem Datum pausieren:
pause-until-label = Pausieren bis
quiet-legend = Ruhezeiten für SMS und Anrufe
quiet-label = Keine SMS oder Anrufe in dieser Zeit (Ihre Zeitzone)
quiet-from = Von
quiet-to = bis
channels-legend = Kontaktwege
never-call = Mich nie anrufen
never-text = Mir nie SMS senden
global-save = Diese Einstellungen speichern

## Your details
details-heading = Ihre Angaben
details-confirmed = Bestätigt.
details-unconfirmed = Noch nicht bestätigt: Wir haben Ihnen einen Link zur Bestätigung gesendet.
details-pending = Wartet auf Bestätigung: Wir haben einen Link an { $email } gesendet. Bis er verwendet wird, schreiben wir weiter an die Adresse oben.
details-email-hint = Wenn Sie die Adresse ändern, senden wir einen Bestätigungslink an die neue Adresse.
details-time-zone = Zeitzone
details-language = Sprache
details-phone = Telefon: { $phone }
details-no-phone = Wir haben keine Telefonnummer von Ihnen.
details-save = Meine Angaben speichern

## Unsubscribe from everything
all-heading = Alles abbestellen
all-is-off = Sie haben alle optionalen Nachrichten abbestellt.
all-resubscribe = Meine Themen wieder abonnieren
all-explain = Bestellen Sie alle optionalen Nachrichten auf einmal ab. Erforderliche Nachrichten wie Anmeldelinks erhalten Sie weiterhin.
all-button = Alles abbestellen

## History
history-loading = Ihr Verlauf wird geladen …
history-heading = Ihr Verlauf
history-intro = Jede Änderung daran, was wir Ihnen senden dürfen: wer sie vorgenommen hat und wann.
history-back = Zurück zu Ihren Einstellungen
history-empty = Noch keine Änderungen.
history-record = Eintrag { $record }
history-reason = Angegebener Grund: { $reason }
history-confirmed-by = Bestätigt von:
history-confirmed-at = Bestätigt am { $when }
history-receipt = { $system } { $state ->
    [confirmed] ✓
    [sending] – wird übermittelt
    [retrying] – neuer Versuch läuft
    [failed] – fehlgeschlagen
   *[disabled] – nicht zugestellt (Schnittstelle deaktiviert)
}
history-older = Ältere Änderungen

# Why a change was refused: the link, session or reply it came with does not allow it.
refusal-not-your-record = Dieser Eintrag gehört nicht zu der Adresse, mit der Sie sich angemeldet haben.
refusal-undo-of-another-change = Dieses Rückgängigmachen gilt einer anderen Änderung; es wurde nichts geändert.
refusal-undone-already = Diese Änderung wurde bereits rückgängig gemacht.
refusal-report-only = Eine Meldung ändert sonst nichts.
refusal-report-other-address = Dieser Link meldet nur die Adresse, an die er geschickt wurde.
refusal-confirmation-only = Ein Bestätigungslink bestätigt nur seine eigene Adresse.
refusal-address-unconfirmed = Eine Adresse ändert sich erst, wenn die neue Adresse es bestätigt.
refusal-link-only-what-you-get = Ein Abmeldelink ändert nur, was Sie erhalten.
refusal-link-only-less = Ein Abmeldelink kann Ihnen nur weniger schicken; melden Sie sich an, um mehr zu erhalten.
refusal-reply-only-what-you-get = Eine Antwort ändert nur, was Sie erhalten.
refusal-link-other-channel = Dieser Link kann nicht ändern, was Sie als { $channel } erhalten; melden Sie sich dafür an.
