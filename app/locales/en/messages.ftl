# Every message Attune sends: mail (subject, plain text, HTML) and the answers to texts.
# Mail bodies are plain text; the HTML version is built from the same lines. { $org } is the
# organisation's name (ATTUNE_ORG_NAME): every mail is signed with it, never with Attune's.

hello = Hello,
mail-sign-off =
    Kind regards,
    { $org }

## Sign-in link
mail-sign-in-subject = Your sign-in link for { $org }
mail-sign-in-intro = Use this link to sign in and manage the messages you get from us:
mail-sign-in-button = Sign in to your preferences
mail-sign-in-outro = It works once, for 15 minutes. If you did not ask for it, you can ignore this email: nothing changes until the link is used.
mail-copy-address = Or copy this address: { $link }

## Confirm an address
mail-verify-subject = Confirm your email address for { $org }
mail-verify-intro = Please confirm that this is your email address by opening this link:
mail-verify-button = Confirm my email address
mail-verify-outro = If you did not change your email address with us, ignore this email.

## An address removed from a record (it may be a stranger's: it says nothing of the customer)
mail-removed-subject = An email address was removed from an account
mail-removed-text = This email address has been removed from an account with us, so you will not receive messages about that account here any more.
mail-removed-outro = If you expected this, there is nothing to do. If you think it is a mistake, please contact us the way you usually do.

## Staff changed something
mail-staff-changed-subject = We changed your message preferences for you
mail-staff-changed-intro = Our staff changed your message preferences for you:
mail-reason = Reason given: { $reason }
mail-review = Review your preferences
mail-staff-undo = Undo: if this is not what you wanted, open the same page and change it back — it takes effect at once.

## A sender changed something that needs the customer's consent
mail-sender-changed-subject = We changed your preferences — please check
mail-sender-changed-intro = { $sender } changed your message preferences on your behalf:
mail-undo = Undo
mail-sender-changed-outro = If you did not ask for this, undo it with the link beside it, or review all your preferences.
sender-change-subscribed = You are now subscribed to { $topic }.
sender-change-unsubscribed-all-cleared = Your choice to unsubscribe from everything was undone.
sender-change-info-only-cleared = { $topic } is no longer marked “information only, no follow-up”.
sender-change-channels = { $topic } now reaches you by { $channels }.
sender-change-channels-again = We may contact you by { $channels } again.
sender-change-pause-shortened = Your pause on messages was ended or shortened.
sender-change-cap-raised = Your limit on messages per week was raised or removed.

## Answers to a text reply (STOP, START, HELP); { $org } is the organisation's name.
reply-stop = { $org }: you will get no more texts from us. Reply START to get them again. Your choices: { $link }
reply-start = { $org }: texts are on again. Reply STOP to stop them, HELP for help. Your choices: { $link }
reply-help = { $org }: we text you only what you asked for. Reply STOP to stop texts, START to get them again. Your choices: { $link }
