# Plain words: channels, frequencies, dates, and each change as the history and "Saved" say it.

## A channel as a choice's label, and inside a sentence ("Turned off text messages").
channel-label = { $channel ->
    [email] Email
    [sms] Text message (SMS)
    [voice] Phone call
   *[push] App notification
}
channel-word = { $channel ->
    [email] email
    [sms] text messages
    [voice] phone calls
   *[push] app notifications
}
# Two or more items: "email, text messages and phone calls".
list-and = { $rest } and { $last }

## How often: the choice's label, and inside a sentence.
frequency-option = { $frequency ->
    [immediate] As it happens
    [daily] At most once a day
    [weekly] At most once a week
   *[monthly] At most once a month
}
frequency-words = { $frequency ->
    [immediate] as it happens
    [daily] at most once a day
    [weekly] at most once a week
   *[monthly] at most once a month
}

## Dates and times, in the contact's time zone: "3 May 2026 14:02", "3 May 2026".
date-time = { $day } { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
  } { $year } { $time }
date = { $day } { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
  } { $year }

## Who made a change, as the customer's history says it; by-org: the organisation's own systems.
by-you = You
by-you-link = You, from a link in an email
by-staff = Changed by our staff
by-sender = Changed by { $sender } on your behalf
by-our-systems = Changed by one of our systems on your behalf
by-org = Set up by { $org }
by-reply = You replied
by-reply-text = You replied { $word } by text
by-reply-call = You pressed 9 on an automated call
by-reply-mail = You replied by email to unsubscribe

## Each change in words.
change-address-all = everything optional
change-address-phone = Stopped { $what } at this phone number, as asked through another record
change-address-email = Stopped { $what } at this email address, as asked through another record
change-address-phone-again = Allowed { $what } at this phone number again
change-address-email-again = Allowed { $what } at this email address again
change-topic-on = Turned on { $topic }
change-topic-off = Turned off { $topic }
change-channel-on = Turned on { $channel } for { $topic }
change-channel-off = Turned off { $channel } for { $topic }
change-frequency = Chose { $frequency } for { $topic }
change-frequency-unknown = Chose a new frequency for { $topic }
change-info-only-on = Chose information only, no follow-up, for { $topic }
change-info-only-off = Allowed follow-ups for { $topic } again
change-unsubscribed-all = Unsubscribed from everything optional
change-resubscribed-all = Subscribed again after unsubscribing from everything
change-never-call = Asked never to be called
change-never-text = Asked never to be texted
change-stopped-channel = Stopped all { $channel }
change-allowed-channel = Allowed { $channel } again
change-paused = Paused messages until { $date }
change-pause-ended = Ended the pause
change-quiet-hours = Set quiet hours for texts and calls: { $start }–{ $end }
change-quiet-hours-off = Turned off quiet hours
change-weekly-cap = Limited messages to { $count } a week
change-weekly-cap-off = Removed the weekly limit
change-email = Set the email address to { $email }
change-email-removed = Removed the email address
change-email-confirmed = Confirmed the email address
change-email-unconfirmed = The email address needs confirming
change-phone = Set the phone number to { $phone }
change-phone-removed = Removed the phone number
change-phone-confirmed = Confirmed the phone number
change-phone-unconfirmed = The phone number needs confirming
change-language = Set the language to { $language }
change-time-zone = Set the time zone to { $zone }
change-dispute-checked = Our staff checked the reported { $kind ->
    [phone] phone number
   *[email] email address
}
change-disputed = Reported that the { $kind ->
    [phone] phone number
   *[email] email address
} is not theirs
change-other = Changed { $field }
