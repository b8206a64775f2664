# The pages behind links in messages: /u (unsubscribe) and /n ("not me").

unsubscribe-page-title = Abbestellen
unsubscribe-topic-heading = { $topic } abbestellen?
unsubscribe-all-heading = Alle optionalen Nachrichten abbestellen?
unsubscribe-for-address = Für Nachrichten an <strong>{ $address }</strong>.
unsubscribe-phone-ending = die Telefonnummer mit der Endung { $digits }
unsubscribe-required-note = Diese Nachrichten sind erforderlich (zum Beispiel Terminerinnerungen oder Sicherheitshinweise) und lassen sich daher nicht abschalten. Auf Ihrer Einstellungsseite können Sie wählen, auf welchem Weg Sie sie erhalten.
unsubscribe-topic-button = { $topic } abbestellen
unsubscribe-all-button = Alles abbestellen
less-often-heading = Lieber seltener
less-often-label = { $topic } erhalten
less-often-button = Stattdessen seltener senden
stop-everything-heading = Alles stoppen
stop-everything-text = Keine optionalen Nachrichten mehr von uns. Erforderliche Nachrichten wie Anmeldelinks erhalten Sie weiterhin.
stop-everything-button = Alles stoppen
link-not-me = Das bin nicht ich – ich habe diese Nachrichten nie bestellt
link-manage-all = Alle meine Einstellungen verwalten

## After a choice
outcome-unsubscribed = Erfolgreich abbestellt
outcome-unsubscribed-topic = Sie erhalten von uns keine { $topic } mehr.
outcome-unsubscribed-all = Sie erhalten von uns keine optionalen Nachrichten mehr. Erforderliche Nachrichten wie Anmeldelinks erhalten Sie weiterhin.
outcome-unsubscribed-everything = Sie haben alles abbestellt
outcome-required-heading = { $topic } können nicht abgeschaltet werden
outcome-required-text = { $topic } sind erforderliche Nachrichten und können daher nicht abbestellt werden. Es wurde nichts geändert.
undo-keep-getting = Rückgängig: { $topic } weiter erhalten
undo-subscribe-again = Rückgängig: wieder abonnieren
outcome-less-often = Ab jetzt seltener
outcome-less-often-text = Sie erhalten { $topic } höchstens { $frequency }.
undo-as-before = Rückgängig: so oft wie bisher
outcome-subscribed-again = Wieder abonniert
outcome-keep-getting = Sie erhalten { $topic } weiterhin.
outcome-earlier-choices = Ihre bisherigen Einstellungen gelten wieder.
outcome-changed-back = Rückgängig gemacht
outcome-changed-back-text = Sie erhalten { $topic } wieder { $frequency }.
# "You will get Offers once a week at most."
link-frequency = { $frequency ->
    [immediate] sofort, wenn es Neues gibt
    [daily] täglich
    [weekly] wöchentlich
   *[monthly] monatlich
}

## Links that can't be used
link-expired-heading = Dieser Link ist abgelaufen
link-expired-text = Links in unseren Nachrichten gelten sechs Monate lang. Es wurde nichts geändert.
link-wrong-kind-heading = Dieser Link gehört zu einer anderen Seite
link-nothing-changed = Es wurde nichts geändert.
link-broken-heading = Dieser Link funktioniert nicht
link-broken-text = Vielleicht wurde er beim Kopieren gekürzt oder verändert. Es wurde nichts geändert.
link-gone-heading = Ihre Daten liegen uns nicht mehr vor
link-gone-text = Hier gibt es nichts abzubestellen: Wir senden nichts an diese Adresse.
link-undo-expired-heading = Rückgängigmachen nicht mehr möglich
link-undo-expired-text = Eine Änderung lässt sich eine Stunde lang rückgängig machen, und zwar auf der Seite, auf der sie vorgenommen wurde. Es wurde nichts geändert; auf Ihrer Einstellungsseite können Sie neu wählen.
link-no-topic-heading = Nichts zu ändern
link-no-topic-text = Dieser Link bezieht sich nicht auf ein einzelnes Thema.
link-choose-how-often-heading = Häufigkeit wählen
link-choose-how-often-text = Wählen Sie einmal pro Woche oder einmal pro Monat.
link-nothing-to-undo = Nichts rückgängig zu machen
link-form-incomplete = Das Formular war unvollständig.
link-unknown-choice-heading = Unbekannte Auswahl
link-unknown-choice-text = „{ $choice }“ ist auf dieser Seite nicht möglich.
link-cant-change = Das lässt sich nicht ändern
link-still-sign-in = Sie können sich weiterhin <a href="/">mit Ihrer E-Mail-Adresse anmelden</a>, um Ihre Nachrichten zu verwalten.

## Not me
not-me-page-title = Nicht Sie?
not-me-heading = Nicht Sie?
not-me-text = Wenn <strong>{ $address }</strong> Ihre Adresse ist, Sie sich aber nie bei uns registriert haben, hat sich vielleicht jemand bei der eigenen Adresse vertippt. Sagen Sie uns Bescheid: Dann senden wir nichts mehr an diese Adresse, bis unser Team die Sache geklärt hat.
not-me-button = Das bin nicht ich – nichts mehr an diese Adresse senden
not-me-nothing-heading = Nichts zu melden
not-me-nothing-text = Zu diesem Link ist bei uns keine Adresse mehr gespeichert.
not-me-nothing-changed = Zu diesem Link ist bei uns keine Adresse mehr gespeichert. Es wurde nichts geändert.
not-me-thanks-heading = Vielen Dank
not-me-thanks-text = Wir senden nichts mehr an { $address }, bis unser Team die Adresse geprüft hat. Sie müssen nichts weiter tun.
link-outdated-heading = Dieser Link galt einer früheren Adresse
link-outdated-text = Dieser Link wurde an eine Adresse gesendet, die wir für Sie nicht mehr führen; er kann daher nichts ändern. Es wurde nichts geändert.
