# Plain words: channels, frequencies, dates, and each change as the history and "Saved" say it.

## A channel as a choice's label, and inside a sentence ("Turned off text messages").
channel-label = { $channel ->
    [email] Correo electrónico
    [sms] Mensajes de texto (SMS)
    [voice] Llamadas
   *[push] Notificaciones de la aplicación
}
channel-word = { $channel ->
    [email] correo electrónico
    [sms] mensajes de texto
    [voice] llamadas
   *[push] notificaciones de la aplicación
}
# Two or more items: "email, text messages and phone calls".
list-and = { $rest } y { $last }

## How often: the choice's label, and inside a sentence.
frequency-option = { $frequency ->
    [immediate] Al instante
    [daily] Como máximo una vez al día
    [weekly] Como máximo una vez a la semana
   *[monthly] Como máximo una vez al mes
}
frequency-words = { $frequency ->
    [immediate] al instante
    [daily] como máximo una vez al día
    [weekly] como máximo una vez a la semana
   *[monthly] como máximo una vez al mes
}

## Dates and times, in the contact's time zone: "3 May 2026 14:02", "3 May 2026".
date-time = { $day } { $month ->
    [1] ene
    [2] feb
    [3] mar
    [4] abr
    [5] may
    [6] jun
    [7] jul
    [8] ago
    [9] sept
    [10] oct
    [11] nov
   *[12] dic
  } { $year } { $time }
date = { $day } { $month ->
    [1] ene
    [2] feb
    [3] mar
    [4] abr
    [5] may
    [6] jun
    [7] jul
    [8] ago
    [9] sept
    [10] oct
    [11] nov
   *[12] dic
  } { $year }

## Who made a change, as the customer's history says it; by-org: the organisation's own systems.
by-you = Usted
by-you-link = Usted, desde un enlace de un correo electrónico
by-staff = Modificado por nuestro personal
by-sender = Modificado por { $sender } en su nombre
by-our-systems = Modificado por uno de nuestros sistemas en su nombre
by-org = Configurado por { $org }
by-reply = Usted respondió
by-reply-text = Usted respondió { $word } por mensaje de texto
by-reply-call = Usted pulsó el 9 durante una llamada automática
by-reply-mail = Usted respondió por correo electrónico para darse de baja

## Each change in words.
change-address-all = todos los mensajes opcionales
change-address-phone = Se dejó de usar este número de teléfono para { $what }, según se solicitó desde otro registro
change-address-email = Se dejó de usar esta dirección de correo electrónico para { $what }, según se solicitó desde otro registro
change-address-phone-again = Se volvió a permitir el uso de este número de teléfono para { $what }
change-address-email-again = Se volvió a permitir el uso de esta dirección de correo electrónico para { $what }
change-topic-on = Se activó la recepción de { $topic }
change-topic-off = Se desactivó la recepción de { $topic }
change-channel-on = Se activó la recepción de { $topic } por { $channel }
change-channel-off = Se desactivó la recepción de { $topic } por { $channel }
change-frequency = Se eligió recibir { $topic } { $frequency }
change-frequency-unknown = Se eligió una nueva frecuencia para { $topic }
change-info-only-on = Se eligió “solo información, sin seguimiento” para { $topic }
change-info-only-off = Se volvió a permitir el seguimiento para { $topic }
change-unsubscribed-all = Se canceló la suscripción a todos los mensajes opcionales
change-resubscribed-all = Se reactivó la suscripción tras la baja de todos los mensajes
change-never-call = Se pidió no recibir nunca llamadas
change-never-text = Se pidió no recibir nunca mensajes de texto
change-stopped-channel = Se detuvieron todos los envíos por { $channel }
change-allowed-channel = Se volvieron a permitir los envíos por { $channel }
change-paused = Se pausaron los mensajes hasta el { $date }
change-pause-ended = Se puso fin a la pausa
change-quiet-hours = Se fijaron horas de silencio para mensajes de texto y llamadas: { $start }–{ $end }
change-quiet-hours-off = Se desactivaron las horas de silencio
change-weekly-cap = Se limitaron los mensajes a { $count } por semana
change-weekly-cap-off = Se quitó el límite semanal
change-email = Se indicó la dirección de correo electrónico { $email }
change-email-removed = Se eliminó la dirección de correo electrónico
change-email-confirmed = Se confirmó la dirección de correo electrónico
change-email-unconfirmed = La dirección de correo electrónico está pendiente de confirmación
change-phone = Se indicó el número de teléfono { $phone }
change-phone-removed = Se eliminó el número de teléfono
change-phone-confirmed = Se confirmó el número de teléfono
change-phone-unconfirmed = El número de teléfono está pendiente de confirmación
change-language = Se eligió el idioma: { $language }
change-time-zone = Se eligió la zona horaria: { $zone }
change-dispute-checked = Nuestro personal revisó { $kind ->
    [phone] el número de teléfono
   *[email] la dirección de correo electrónico
} que se había señalado
change-disputed = Se informó de que { $kind ->
    [phone] el número de teléfono
   *[email] la dirección de correo electrónico
} pertenece a otra persona
change-other = Se cambió { $field }
