# Every message Attune sends: mail (subject, plain text, HTML) and the answers to texts.
# Mail bodies are plain text; the HTML version is built from the same lines. { $org } is the
# organisation's name (ATTUNE_ORG_NAME): every mail is signed with it, never with Attune's.

hello = Guten Tag,
mail-sign-off =
    Mit freundlichen Grüßen
    { $org }

## Sign-in link
mail-sign-in-subject = Ihr Anmeldelink für { $org }
mail-sign-in-intro = Sie können sich über diesen Link anmelden und festlegen, welche Nachrichten Sie von uns erhalten:
mail-sign-in-button = Anmelden und Einstellungen öffnen
mail-sign-in-outro = Der Link gilt einmalig und 15 Minuten lang. Wenn Sie ihn nicht angefordert haben, können Sie diese E-Mail ignorieren: Solange der Link nicht genutzt wird, ändert sich nichts.
mail-copy-address = Oder kopieren Sie diese Adresse: { $link }

## Confirm an address
mail-verify-subject = Bitte bestätigen Sie Ihre E-Mail-Adresse für { $org }
mail-verify-intro = Ihre E-Mail-Adresse bestätigen Sie bitte, indem Sie diesen Link öffnen:
mail-verify-button = E-Mail-Adresse bestätigen
mail-verify-outro = Falls Sie Ihre E-Mail-Adresse bei uns nicht geändert haben, ignorieren Sie diese E-Mail bitte.

## An address removed from a record (it may be a stranger's: it says nothing of the customer)
mail-removed-subject = Eine E-Mail-Adresse wurde aus einem Konto entfernt
mail-removed-text = Sie erhalten an diese E-Mail-Adresse keine Nachrichten mehr zu einem Konto bei uns, denn die Adresse wurde aus diesem Konto entfernt.
mail-removed-outro = Wenn Sie damit gerechnet haben, müssen Sie nichts tun. Wenn Sie einen Fehler vermuten, wenden Sie sich bitte wie gewohnt an uns.

## Staff changed something
mail-staff-changed-subject = Wir haben Ihre Einstellungen für Nachrichten geändert
mail-staff-changed-intro = Ihre Einstellungen für Nachrichten wurden von unserem Team geändert:
mail-reason = Angegebener Grund: { $reason }
mail-review = Ihre Einstellungen prüfen
mail-staff-undo = Rückgängig machen: Falls Sie das nicht wollten, öffnen Sie dieselbe Seite und ändern Sie die Einstellung zurück – das gilt sofort.

## A sender changed something that needs the customer's consent
mail-sender-changed-subject = Wir haben Ihre Einstellungen geändert – bitte kurz prüfen
mail-sender-changed-intro = { $sender } hat in Ihrem Auftrag Ihre Einstellungen für Nachrichten geändert:
mail-undo = Rückgängig machen
mail-sender-changed-outro = Falls Sie das nicht veranlasst haben, machen Sie es über den Link daneben rückgängig oder prüfen Sie alle Ihre Einstellungen.
sender-change-subscribed = Sie haben jetzt { $topic } abonniert.
sender-change-unsubscribed-all-cleared = Ihre Abbestellung aller Nachrichten wurde aufgehoben.
sender-change-info-only-cleared = Für { $topic } gilt nicht mehr „nur zur Information, keine Nachfassaktionen“.
sender-change-channels = Für { $topic } nutzen wir jetzt: { $channels }.
sender-change-channels-again = Wir dürfen Sie wieder auf diesen Wegen kontaktieren: { $channels }.
sender-change-pause-shortened = Ihre Pause für Nachrichten wurde beendet oder verkürzt.
sender-change-cap-raised = Ihr wöchentliches Limit für Nachrichten wurde erhöht oder aufgehoben.

## Answers to a text reply (STOP, START, HELP); { $org } is the organisation's name.
reply-stop = { $org }: Sie erhalten keine SMS mehr von uns. Antworten Sie START, um sie wieder zu erhalten. Ihre Einstellungen: { $link }
reply-start = { $org }: Sie erhalten wieder SMS von uns. Antworten Sie STOP, um sie abzubestellen, oder HELP für Hilfe. Ihre Einstellungen: { $link }
reply-help = { $org }: Wir senden Ihnen nur SMS, die Sie angefordert haben. Antworten Sie STOP, um keine SMS mehr zu erhalten, oder START, um sie wieder zu erhalten. Ihre Einstellungen: { $link }
