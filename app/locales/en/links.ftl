# The pages behind links in messages: /u (unsubscribe) and /n ("not me").

unsubscribe-page-title = Unsubscribe
unsubscribe-topic-heading = Unsubscribe from { $topic }?
unsubscribe-all-heading = Unsubscribe from all optional messages?
unsubscribe-for-address = For messages to <strong>{ $address }</strong>.
unsubscribe-phone-ending = the phone number ending { $digits }
unsubscribe-required-note = These messages are required (such as appointment reminders or security alerts), so they can’t be switched off. You can choose how they reach you on your preferences page.
unsubscribe-topic-button = Unsubscribe from { $topic }
unsubscribe-all-button = Unsubscribe from everything
less-often-heading = Less often instead
less-often-label = Get { $topic }
less-often-button = Send less often instead
stop-everything-heading = Stop everything
stop-everything-text = Stop every optional message from us. Required messages, such as sign-in links, still reach you.
stop-everything-button = Stop everything
link-not-me = This isn’t me — I never signed up for these messages
link-manage-all = Manage all my preferences

## After a choice
outcome-unsubscribed = You are unsubscribed
outcome-unsubscribed-topic = You will get no more { $topic } from us.
outcome-unsubscribed-all = You will get no more optional messages from us. Required ones, such as sign-in links, still reach you.
outcome-unsubscribed-everything = You are unsubscribed from everything
outcome-required-heading = { $topic } can’t be switched off
outcome-required-text = { $topic } are required messages, so they can’t be unsubscribed. Nothing was changed.
undo-keep-getting = Undo: keep getting { $topic }
undo-subscribe-again = Undo: subscribe me again
outcome-less-often = Less often it is
outcome-less-often-text = You will get { $topic } { $frequency } at most.
undo-as-before = Undo: as often as before
outcome-subscribed-again = You are subscribed again
outcome-keep-getting = You will keep getting { $topic }.
outcome-earlier-choices = Your earlier choices apply again.
outcome-changed-back = Changed back
outcome-changed-back-text = You will get { $topic } { $frequency } again.
# "You will get Offers once a week at most."
link-frequency = { $frequency ->
    [immediate] as it happens
    [daily] once a day
    [weekly] once a week
   *[monthly] once a month
}

## Links that can't be used
link-expired-heading = This link has expired
link-expired-text = Links in our messages work for six months. Nothing was changed.
link-wrong-kind-heading = This link is for another page
link-nothing-changed = Nothing was changed.
link-broken-heading = This link doesn’t work
link-broken-text = It may have been cut short or changed when it was copied. Nothing was changed.
link-gone-heading = We no longer hold your details
link-gone-text = There is nothing to unsubscribe from: we send nothing to this address.
link-undo-expired-heading = This undo has expired
link-undo-expired-text = An undo works for an hour after the change, from the page that made it. Nothing was changed; your preference page lets you choose again.
link-no-topic-heading = Nothing to change
link-no-topic-text = This link is not about one topic.
link-choose-how-often-heading = Choose how often
link-choose-how-often-text = Pick once a week or once a month.
link-nothing-to-undo = Nothing to undo
link-form-incomplete = The form was incomplete.
link-unknown-choice-heading = Unknown choice
link-unknown-choice-text = { $choice } is not something this page can do.
link-cant-change = That can’t be changed
link-still-sign-in = You can still <a href="/">sign in with your email address</a> to manage your messages.

## Not me
not-me-page-title = Not you?
not-me-heading = Not you?
not-me-text = If <strong>{ $address }</strong> is your address but you never signed up with us, someone may have mistyped theirs. Tell us, and we will send nothing more to this address until our staff have sorted it out.
not-me-button = This isn’t me — stop sending to this address
not-me-nothing-heading = Nothing to report
not-me-nothing-text = We hold no address for this link any more.
not-me-nothing-changed = We hold no address for this link any more. Nothing was changed.
not-me-thanks-heading = Thank you
not-me-thanks-text = We will send nothing more to { $address } until our staff have checked it. You don’t need to do anything else.
link-outdated-heading = This link was for an earlier address
link-outdated-text = This link was sent to an address we no longer hold for you, so it can’t change anything. Nothing was changed.
