# The pages behind links in messages: /u (unsubscribe) and /n ("not me").

unsubscribe-page-title = Darse de baja
unsubscribe-topic-heading = ¿Desea darse de baja de { $topic }?
unsubscribe-all-heading = ¿Desea darse de baja de todos los mensajes opcionales?
unsubscribe-for-address = Para los mensajes que recibe en <strong>{ $address }</strong>.
unsubscribe-phone-ending = el número de teléfono terminado en { $digits }
unsubscribe-required-note = Estos mensajes son obligatorios (como los recordatorios de citas o las alertas de seguridad), por lo que no se pueden desactivar. Puede elegir cómo recibirlos en su página de preferencias.
unsubscribe-topic-button = Darme de baja de { $topic }
unsubscribe-all-button = Darme de baja de todo
less-often-heading = O bien, con menos frecuencia
less-often-label = Recibir { $topic }
less-often-button = Prefiero recibirlos con menos frecuencia
stop-everything-heading = Dejar de recibirlo todo
stop-everything-text = Deje de recibir todos nuestros mensajes opcionales. Los mensajes obligatorios, como los enlaces de acceso, le seguirán llegando.
stop-everything-button = Dejar de recibirlo todo
link-not-me = No soy yo: nunca me suscribí a estos mensajes
link-manage-all = Gestionar todas mis preferencias

## After a choice
outcome-unsubscribed = Se ha dado de baja
outcome-unsubscribed-topic = Ya no le enviaremos { $topic }.
outcome-unsubscribed-all = Ya no le enviaremos mensajes opcionales. Los obligatorios, como los enlaces de acceso, le seguirán llegando.
outcome-unsubscribed-everything = Se ha dado de baja de todo
outcome-required-heading = No es posible desactivar { $topic }
outcome-required-text = Se trata de mensajes obligatorios, así que no es posible darse de baja de { $topic }. No se ha cambiado nada.
undo-keep-getting = Deshacer: seguir recibiendo { $topic }
undo-subscribe-again = Deshacer: volver a suscribirme
outcome-less-often = De acuerdo, con menos frecuencia
outcome-less-often-text = Recibirá { $topic } como máximo { $frequency }.
undo-as-before = Deshacer: con la misma frecuencia que antes
outcome-subscribed-again = Se ha vuelto a suscribir
outcome-keep-getting = Seguirá recibiendo { $topic }.
outcome-earlier-choices = Vuelven a aplicarse sus preferencias anteriores.
outcome-changed-back = Cambio deshecho
outcome-changed-back-text = Volverá a recibir { $topic } { $frequency }.
# "You will get Offers once a week at most."
link-frequency = { $frequency ->
    [immediate] al instante
    [daily] una vez al día
    [weekly] una vez a la semana
   *[monthly] una vez al mes
}

## Links that can't be used
link-expired-heading = Este enlace ha caducado
link-expired-text = Los enlaces de nuestros mensajes funcionan durante seis meses. No se ha cambiado nada.
link-wrong-kind-heading = Este enlace corresponde a otra página
link-nothing-changed = No se ha cambiado nada.
link-broken-heading = Este enlace no funciona
link-broken-text = Es posible que se haya cortado o modificado al copiarlo. No se ha cambiado nada.
link-gone-heading = Ya no conservamos sus datos
link-gone-text = No hay nada de lo que darse de baja: no enviamos nada a esta dirección.
link-undo-expired-heading = Ya no es posible deshacer este cambio
link-undo-expired-text = Un cambio puede deshacerse durante una hora, desde la misma página en la que se hizo. No se ha cambiado nada; en su página de preferencias puede volver a elegir.
link-no-topic-heading = No hay nada que cambiar
link-no-topic-text = Este enlace no se refiere a un tema concreto.
link-choose-how-often-heading = Elija la frecuencia
link-choose-how-often-text = Elija una vez a la semana o una vez al mes.
link-nothing-to-undo = No hay nada que deshacer
link-form-incomplete = El formulario estaba incompleto.
link-unknown-choice-heading = Opción desconocida
link-unknown-choice-text = Esta página no puede realizar la acción “{ $choice }”.
link-cant-change = Esto no se puede cambiar
link-still-sign-in = Aún puede <a href="/">iniciar sesión con su dirección de correo electrónico</a> para gestionar sus mensajes.

## Not me
not-me-page-title = ¿No es usted?
not-me-heading = ¿No es usted?
not-me-text = Si <strong>{ $address }</strong> le pertenece, pero usted nunca se ha registrado con nosotros, es posible que otra persona se haya equivocado al escribir sus datos. Avísenos y no enviaremos nada más a esa dirección o número hasta que nuestro personal lo haya aclarado.
not-me-button = No soy yo: no envíen más mensajes aquí
not-me-nothing-heading = No hay nada que notificar
not-me-nothing-text = Ya no tenemos ninguna dirección asociada a este enlace.
not-me-nothing-changed = Ya no tenemos ninguna dirección asociada a este enlace. No se ha cambiado nada.
not-me-thanks-heading = Gracias
not-me-thanks-text = No volveremos a usar { $address } para enviar mensajes hasta que nuestro personal lo haya comprobado. No es necesario que haga nada más.
link-outdated-heading = Este enlace era para una dirección anterior
link-outdated-text = Este enlace se envió a una dirección que ya no tenemos registrada para usted, así que no puede cambiar nada. No se ha cambiado nada.
