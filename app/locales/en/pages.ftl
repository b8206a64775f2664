# The customer's pages: the frame, the start page, sign-in, preferences, history.
# Each language folder holds the same keys. `$name` placeholders are filled in by the code.

## What this language is called, in itself (the language switch and "Your details").
language-name = English

## The frame of every page; { $org } is the organisation's name (ATTUNE_ORG_NAME).
site-title = { $org } — your message preferences
site-description = Choose which messages you get, how, and how often.
site-footer = { $org } keeps track of the messages you asked for — and only those.
language-switch-label = Language

## Start page and sign-in
home-heading = Your messages, your way
home-intro = Choose which messages you get from us, on which channel, and how often. Say “information only” and nobody will follow up.
sign-in-heading = Sign in
sign-in-intro = We’ll email you a link that signs you in. No password needed.
email-label = Email address
sign-in-button = Email me a sign-in link
sign-in-sending = Sending…
sign-in-requested = Thanks. If that address is one we know, a sign-in link is on its way. It works once, for 15 minutes.
signed-out = You are signed out.
sign-in-prompt-heading = Please sign in
sign-in-prompt-text = To see or change your preferences, sign in with the link we email you, or use the “manage preferences” link in any message from us.
sign-in-prompt-link = Get a sign-in link

auth-checking = Checking your link…
auth-heading = Sign in to { $org }
auth-press-continue = Press Continue to sign in on this device.
auth-continue = Continue
auth-used = This sign-in link has already been used.
auth-expired = This sign-in link has expired: links work for 15 minutes.
auth-unknown = This sign-in link is not valid. It may have been copied incompletely.
auth-unchecked = We could not check this link just now. Please try again.
redeem-used = This link has already been used. Ask for a new one below.
redeem-expired = This link has expired. Ask for a new one below.
redeem-unknown = This link is not valid. Ask for a new one below.
redeem-address-changed = This link was sent to an address that is no longer the one we hold. Ask for a new one below.
auth-problem-heading = This link can’t sign you in
auth-new-link = Email me a new link

not-found-heading = Page not found
not-found-text = This page does not exist.
not-found-link = Go to the start page

## Errors a page shows
error-not-signed-in = Please sign in to see your preferences.
error-internal = Something went wrong on our side. Please try again in a moment.
error-transport = The request could not be completed. Please check your connection and try again.
error-link-dead = This link doesn’t work any more. Please sign in instead.
error-too-many-sign-ins = Too many sign-in requests. Please wait 15 minutes and try again.
error-no-topic = There is no topic { $topic }.
error-pause-date = Choose the date to pause until.
error-pause-choice = Unknown pause choice { $choice }.
error-email-needed = Enter an email address: it is how you sign in.
not-saved = Not saved: { $error }

## The preference page
prefs-loading = Loading your preferences…
prefs-heading = Your message preferences
prefs-intro = Choose what we send you, how, and how often.
prefs-for = For <strong>{ $email }</strong>.
prefs-signed-in-as = Signed in as <strong>{ $email }</strong>.
prefs-via-link = You opened this page from a link in one of our messages. <a href="/">Sign in</a> to see your history, download your data or change your details.
prefs-history-link = Your history
prefs-download = Download my data
sign-out = Sign out
saved-heading = Saved
saved-nothing-heading = Nothing changed
notice-unsubscribed-all = <strong>You are unsubscribed from everything optional.</strong> You still get required messages, such as appointment reminders and sign-in links.
notice-paused = <strong>Paused until { $date }.</strong> Required messages still reach you.
topics-heading = Topics
topics-hint = Open a topic to change it.
everything-heading = For everything

## One topic
topic-off = off
topic-no-channel = no channel chosen
topic-info-only = information only
topic-required-note = Required: these messages can’t be switched off, because you need them. You can choose how they reach you.
topic-send-me = Send me { $topic_lower }
topic-how = How
topic-how-often = How often, at most
topic-info-only-label = Information only: never follow up with calls or sales messages
topic-save = Save { $topic }
topic-saving = Saving…
topic-saved = Saved: { $items }.
topic-nothing-changed = Nothing changed.
topic-undo = Undo
topic-note-email-disputed = Your email address was reported as not yours; our staff will check it.
topic-note-phone-disputed = Your phone number was reported as not yours; our staff will check it.
topic-note-no-email = We have no email address for you.
topic-note-no-phone = We have no phone number for you, so we can’t text or call.
topic-note-no-push = Our app is not set up for notifications yet.

## Choices for everything
global-heading = Breaks, quiet hours, calls and texts
global-summary-paused = paused until { $date }
global-summary-not-paused = not paused
global-summary-quiet = quiet { $start }–{ $end }
global-summary-no-calls-texts = no calls or texts
global-summary-no-calls = no calls
global-summary-no-texts = no texts
pause-legend = Take a break
pause-keep = Stay paused until { $date }
pause-none = Not paused
pause-week = Pause for 1 week
pause-month = Pause for 1 month
pause-until-choice = Pause until a date:
pause-until-label = Pause until
quiet-legend = Quiet hours for texts and calls
quiet-label = No texts or calls between these times (your time zone)
quiet-from = From
quiet-to = to
channels-legend = Channels
never-call = Never call me
never-text = Never text me
global-save = Save these settings

## Your details
details-heading = Your details
details-confirmed = Confirmed.
details-unconfirmed = Not confirmed yet: we sent a link to confirm it.
details-pending = Waiting for confirmation: we sent a link to { $email }. Until it is used, we keep writing to the address above.
details-email-hint = Changing it sends a confirmation link to the new address.
details-time-zone = Time zone
details-language = Language
details-phone = Phone: { $phone }
details-no-phone = We have no phone number for you.
details-save = Save my details

## Unsubscribe from everything
all-heading = Unsubscribe from everything
all-is-off = You are unsubscribed from all optional messages.
all-resubscribe = Subscribe again to my topics
all-explain = Stop every optional message at once. Required messages, such as sign-in links, still reach you.
all-button = Unsubscribe from everything

## History
history-loading = Loading your history…
history-heading = Your history
history-intro = Every change to what we may send you, who made it, and when.
history-back = Back to your preferences
history-empty = No changes yet.
history-record = record { $record }
history-reason = Reason given: { $reason }
history-confirmed-by = Confirmed by:
history-confirmed-at = Confirmed { $when }
history-receipt = { $system } { $state ->
    [confirmed] ✓
    [sending] — sending
    [retrying] — retrying
    [failed] — failed
   *[disabled] — not delivered (endpoint disabled)
}
history-older = Older changes

# Why a change was refused: the link, session or reply it came with does not allow it.
refusal-not-your-record = This record is not covered by the address you signed in with.
refusal-undo-of-another-change = This undo is for another change; nothing was changed.
refusal-undone-already = This change was undone already.
refusal-report-only = A report changes nothing else.
refusal-report-other-address = This link reports only the address it was sent to.
refusal-confirmation-only = A confirmation link confirms its address only.
refusal-address-unconfirmed = An address changes only once the new address confirms it.
refusal-link-only-what-you-get = An unsubscribe link changes only what you receive.
refusal-link-only-less = An unsubscribe link can only send you less; sign in to ask for more.
refusal-reply-only-what-you-get = A reply changes only what you receive.
refusal-link-other-channel = This link can’t change what you get as { $channel }; sign in to change that.
