# The customer's pages: the frame, the start page, sign-in, preferences, history.
# Each language folder holds the same keys. `$name` placeholders are filled in by the code.

## What this language is called, in itself (the language switch and "Your details").
language-name = Español

## The frame of every page; { $org } is the organisation's name (ATTUNE_ORG_NAME).
site-title = { $org } — sus preferencias de mensajes
site-description = Elija qué mensajes recibe, cómo y con qué frecuencia.
site-footer = { $org } lleva la cuenta de los mensajes que usted ha pedido, y solo de esos.
language-switch-label = Idioma

## Start page and sign-in
home-heading = Sus mensajes, a su manera
home-intro = Elija qué mensajes recibe de nosotros, por qué canal y con qué frecuencia. Si elige “solo información”, nadie se pondrá en contacto con usted para hacer seguimiento.
sign-in-heading = Iniciar sesión
sign-in-intro = Le enviaremos por correo electrónico un enlace para iniciar sesión. No necesita contraseña.
email-label = Dirección de correo electrónico
sign-in-button = Enviarme un enlace de acceso
sign-in-sending = Enviando…
sign-in-requested = Gracias. Si esa dirección está registrada, recibirá en breve un enlace de acceso. Solo se puede usar una vez, durante 15 minutos.
signed-out = Ha cerrado la sesión.
sign-in-prompt-heading = Inicie sesión
sign-in-prompt-text = Para ver o cambiar sus preferencias, inicie sesión con el enlace que le enviamos por correo electrónico o use el enlace “gestionar preferencias” de cualquiera de nuestros mensajes.
sign-in-prompt-link = Recibir un enlace de acceso

auth-checking = Comprobando su enlace…
auth-heading = Iniciar sesión en { $org }
auth-press-continue = Pulse Continuar para iniciar sesión en este dispositivo.
auth-continue = Continuar
auth-used = Este enlace de acceso ya se ha utilizado.
auth-expired = Este enlace de acceso ha caducado: los enlaces funcionan durante 15 minutos.
auth-unknown = Este enlace de acceso no es válido. Es posible que no se haya copiado completo.
auth-unchecked = No hemos podido comprobar este enlace en este momento. Inténtelo de nuevo.
redeem-used = Este enlace ya se ha utilizado. Solicite uno nuevo a continuación.
redeem-expired = Este enlace ha caducado. Solicite uno nuevo a continuación.
redeem-unknown = Este enlace no es válido. Solicite uno nuevo a continuación.
redeem-address-changed = Este enlace se envió a una dirección que ya no es la que tenemos registrada. Solicite uno nuevo a continuación.
auth-problem-heading = Este enlace no permite iniciar sesión
auth-new-link = Enviarme un enlace nuevo

not-found-heading = Página no encontrada
not-found-text = Esta página no existe.
not-found-link = Ir a la página de inicio

## Errors a page shows
error-not-signed-in = Inicie sesión para ver sus preferencias.
error-internal = Algo ha fallado por nuestra parte. Inténtelo de nuevo en unos instantes.
error-transport = No se ha podido completar la solicitud. Compruebe su conexión e inténtelo de nuevo.
error-link-dead = Este enlace ya no funciona. Inicie sesión para continuar.
error-too-many-sign-ins = Se han hecho demasiadas solicitudes de acceso. Espere 15 minutos e inténtelo de nuevo.
error-no-topic = No existe el tema { $topic }.
error-pause-date = Elija hasta qué fecha desea pausar los mensajes.
error-pause-choice = Opción de pausa desconocida: { $choice }.
error-email-needed = Escriba una dirección de correo electrónico: la necesita para iniciar sesión.
not-saved = No se ha guardado: { $error }

## The preference page
prefs-loading = Cargando sus preferencias…
prefs-heading = Sus preferencias de mensajes
prefs-intro = Elija qué le enviamos, cómo y con qué frecuencia.
prefs-for = Para <strong>{ $email }</strong>.
prefs-signed-in-as = Ha iniciado sesión como <strong>{ $email }</strong>.
prefs-via-link = Ha abierto esta página desde un enlace de uno de nuestros mensajes. <a href="/">Inicie sesión</a> para ver su historial, descargar sus datos o modificarlos.
prefs-history-link = Su historial
prefs-download = Descargar mis datos
sign-out = Cerrar sesión
saved-heading = Cambios guardados
saved-nothing-heading = No se ha cambiado nada
notice-unsubscribed-all = <strong>Se ha dado de baja de todos los mensajes opcionales.</strong> Seguirá recibiendo los mensajes obligatorios, como los recordatorios de citas y los enlaces de acceso.
notice-paused = <strong>En pausa hasta el { $date }.</strong> Los mensajes obligatorios le seguirán llegando.
topics-heading = Temas
topics-hint = Abra un tema para cambiarlo.
everything-heading = Para todos los mensajes

## One topic
topic-off = desactivado
topic-no-channel = ningún canal elegido
topic-info-only = solo información
topic-required-note = Obligatorio: estos mensajes no se pueden desactivar porque los necesita. Puede elegir cómo le llegan.
topic-send-me = Enviarme { $topic_lower }
topic-how = Cómo
topic-how-often = Con qué frecuencia, como máximo
topic-info-only-label = Solo información, sin seguimiento: no quiero que me contacten después con llamadas ni mensajes comerciales
topic-save = Guardar cambios en { $topic }
topic-saving = Guardando…
topic-saved = Guardado: { $items }.
topic-nothing-changed = No se ha cambiado nada.
topic-undo = Deshacer
topic-note-email-disputed = Se nos ha indicado que esta dirección de correo electrónico no le pertenece; nuestro personal lo comprobará.
topic-note-phone-disputed = Se nos ha indicado que este número de teléfono no le pertenece; nuestro personal lo comprobará.
topic-note-no-email = No tenemos ninguna dirección de correo electrónico suya.
topic-note-no-phone = No tenemos ningún número de teléfono suyo, así que no podemos enviarle mensajes de texto ni llamarle.
topic-note-no-push = Nuestra aplicación todavía no está preparada para enviar notificaciones.

## Choices for everything
global-heading = Pausas, horas de silencio, llamadas y mensajes de texto
global-summary-paused = en pausa hasta el { $date }
global-summary-not-paused = sin pausa
global-summary-quiet = silencio de { $start } a { $end }
global-summary-no-calls-texts = sin llamadas ni mensajes de texto
global-summary-no-calls = sin llamadas
global-summary-no-texts = sin mensajes de texto
pause-legend = Hacer una pausa
pause-keep = Seguir en pausa hasta el { $date }
pause-none = Sin pausa
pause-week = Pausar durante una semana
pause-month = Pausar durante un mes
pause-until-choice = Pausar hasta una fecha:
pause-until-label = Pausar hasta
quiet-legend = Horas de silencio para mensajes de texto y llamadas
quiet-label = Sin mensajes de texto ni llamadas entre estas horas (en su zona horaria)
quiet-from = De
quiet-to = a
channels-legend = Canales
never-call = No llamarme nunca
never-text = No enviarme nunca mensajes de texto
global-save = Guardar estos ajustes

## Your details
details-heading = Sus datos
details-confirmed = Se ha confirmado.
details-unconfirmed = Aún no se ha confirmado: le hemos enviado un enlace de confirmación.
details-pending = Pendiente de confirmación: hemos enviado un enlace a { $email }. Hasta que se use, seguiremos escribiendo a la dirección de arriba.
details-email-hint = Si la cambia, enviaremos un enlace de confirmación a la nueva dirección.
details-time-zone = Zona horaria
details-language = Idioma
details-phone = Teléfono: { $phone }
details-no-phone = No tenemos ningún número de teléfono suyo.
details-save = Guardar mis datos

## Unsubscribe from everything
all-heading = Darse de baja de todo
all-is-off = Se ha dado de baja de todos los mensajes opcionales.
all-resubscribe = Volver a suscribirme a mis temas
all-explain = Deje de recibir todos los mensajes opcionales de una vez. Los mensajes obligatorios, como los enlaces de acceso, le seguirán llegando.
all-button = Darme de baja de todo

## History
history-loading = Cargando su historial…
history-heading = Su historial
history-intro = Cada cambio en lo que podemos enviarle: quién lo hizo y cuándo.
history-back = Volver a sus preferencias
history-empty = Todavía no hay cambios.
history-record = registro { $record }
history-reason = Motivo indicado: { $reason }
history-confirmed-by = Confirmado por:
history-confirmed-at = Confirmado el { $when }
history-receipt = { $system } { $state ->
    [confirmed] ✓
    [sending] — enviando
    [retrying] — volviendo a intentarlo
    [failed] — error
   *[disabled] — no entregado (destino desactivado)
}
history-older = Cambios anteriores

# Why a change was refused: the link, session or reply it came with does not allow it.
refusal-not-your-record = Este registro no corresponde a la dirección con la que inició sesión.
refusal-undo-of-another-change = Esto deshace otro cambio; no se ha cambiado nada.
refusal-undone-already = Este cambio ya se deshizo.
refusal-report-only = Un aviso no cambia nada más.
refusal-report-other-address = Este enlace solo avisa de la dirección a la que se envió.
refusal-confirmation-only = Un enlace de confirmación solo confirma su dirección.
refusal-address-unconfirmed = Una dirección solo cambia cuando la nueva dirección lo confirma.
refusal-link-only-what-you-get = Un enlace para darse de baja solo cambia lo que recibe.
refusal-link-only-less = Un enlace para darse de baja solo puede enviarle menos; inicie sesión para pedir más.
refusal-reply-only-what-you-get = Una respuesta solo cambia lo que recibe.
refusal-link-other-channel = Este enlace no puede cambiar lo que recibe por { $channel }; inicie sesión para cambiarlo.
