# Plain words: channels, frequencies, dates, and each change as the history and "Saved" say it.

## A channel as a choice's label, and inside a sentence ("Turned off text messages").
channel-label = { $channel ->
    [email] E-Mail
    [sms] SMS (Textnachricht)
    [voice] Telefonanruf
   *[push] App-Benachrichtigung
}
channel-word = { $channel ->
    [email] E-Mails
    [sms] SMS
    [voice] Anrufe
   *[push] App-Benachrichtigungen
}
# Two or more items: "email, text messages and phone calls".
list-and = { $rest } und { $last }

## How often: the choice's label, and inside a sentence.
frequency-option = { $frequency ->
    [immediate] Sofort
    [daily] Höchstens einmal pro Tag
    [weekly] Höchstens einmal pro Woche
   *[monthly] Höchstens einmal pro Monat
}
frequency-words = { $frequency ->
    [immediate] sofort
    [daily] höchstens einmal pro Tag
    [weekly] höchstens einmal pro Woche
   *[monthly] höchstens einmal pro Monat
}

## Dates and times, in the contact's time zone: "3 May 2026 14:02", "3 May 2026".
date-time = { $day }. { $month ->
    [1] Jan.
    [2] Feb.
    [3] März
    [4] Apr.
    [5] Mai
    [6] Juni
    [7] Juli
    [8] Aug.
    [9] Sept.
    [10] Okt.
    [11] Nov.
   *[12] Dez.
  } { $year }, { $time }
date = { $day }. { $month ->
    [1] Jan.
    [2] Feb.
    [3] März
    [4] Apr.
    [5] Mai
    [6] Juni
    [7] Juli
    [8] Aug.
    [9] Sept.
    [10] Okt.
    [11] Nov.
   *[12] Dez.
  } { $year }

## Who made a change, as the customer's history says it; by-org: the organisation's own systems.
by-you = Sie
by-you-link = Sie, über einen Link in einer E-Mail
by-staff = Von unserem Team geändert
by-sender = Von { $sender } in Ihrem Auftrag geändert
by-our-systems = Von einem unserer Systeme in Ihrem Auftrag geändert
by-org = Von { $org } eingerichtet
by-reply = Ihre Antwort
by-reply-text = Sie haben per SMS mit { $word } geantwortet
by-reply-call = Sie haben bei einem automatischen Anruf die 9 gedrückt
by-reply-mail = Sie haben per E-Mail geantwortet, um abzubestellen

## Each change in words.
change-address-all = alle optionalen Nachrichten
change-address-phone = Für diese Telefonnummer gestoppt: { $what }, wie über einen anderen Eintrag gewünscht
change-address-email = Für diese E-Mail-Adresse gestoppt: { $what }, wie über einen anderen Eintrag gewünscht
change-address-phone-again = Für diese Telefonnummer wieder erlaubt: { $what }
change-address-email-again = Für diese E-Mail-Adresse wieder erlaubt: { $what }
change-topic-on = { $topic } eingeschaltet
change-topic-off = { $topic } ausgeschaltet
change-channel-on = { $channel } für { $topic } eingeschaltet
change-channel-off = { $channel } für { $topic } ausgeschaltet
change-frequency = Für { $topic } gewählt: { $frequency }
change-frequency-unknown = Neue Häufigkeit für { $topic } gewählt
change-info-only-on = Für { $topic } „nur zur Information, keine Nachfassaktionen“ gewählt
change-info-only-off = Nachfassaktionen für { $topic } wieder erlaubt
change-unsubscribed-all = Alle optionalen Nachrichten abbestellt
change-resubscribed-all = Nach dem Abbestellen aller Nachrichten wieder abonniert
change-never-call = Gebeten, nie angerufen zu werden
change-never-text = Gebeten, keine SMS mehr zu erhalten
change-stopped-channel = Alle { $channel } gestoppt
change-allowed-channel = { $channel } wieder erlaubt
change-paused = Nachrichten bis { $date } pausiert
change-pause-ended = Pause beendet
change-quiet-hours = Ruhezeiten für SMS und Anrufe festgelegt: { $start }–{ $end }
change-quiet-hours-off = Ruhezeiten ausgeschaltet
change-weekly-cap = Nachrichten auf { $count } pro Woche begrenzt
change-weekly-cap-off = Wöchentliche Begrenzung aufgehoben
change-email = E-Mail-Adresse festgelegt: { $email }
change-email-removed = E-Mail-Adresse entfernt
change-email-confirmed = E-Mail-Adresse bestätigt
change-email-unconfirmed = E-Mail-Adresse muss noch bestätigt werden
change-phone = Telefonnummer festgelegt: { $phone }
change-phone-removed = Telefonnummer entfernt
change-phone-confirmed = Telefonnummer bestätigt
change-phone-unconfirmed = Telefonnummer muss noch bestätigt werden
change-language = Sprache festgelegt: { $language }
change-time-zone = Zeitzone festgelegt: { $zone }
change-dispute-checked = Unser Team hat die gemeldete { $kind ->
    [phone] Telefonnummer
   *[email] E-Mail-Adresse
} geprüft
change-disputed = Gemeldet, dass die { $kind ->
    [phone] Telefonnummer
   *[email] E-Mail-Adresse
} nicht die eigene ist
change-other = { $field } geändert
