# Every message Attune sends: mail (subject, plain text, HTML) and the answers to texts.
# Mail bodies are plain text; the HTML version is built from the same lines. { $org } is the
# organisation's name (ATTUNE_ORG_NAME): every mail is signed with it, never with Attune's.

hello = Hola:
mail-sign-off =
    Atentamente,
    { $org }

## Sign-in link
mail-sign-in-subject = Su enlace de acceso a { $org }
mail-sign-in-intro = Use este enlace para iniciar sesión y gestionar los mensajes que recibe de nosotros:
mail-sign-in-button = Acceder a mis preferencias
mail-sign-in-outro = Solo se puede usar una vez, durante 15 minutos. Si no lo ha solicitado, puede ignorar este correo: no cambiará nada mientras no se use el enlace.
mail-copy-address = O copie esta dirección: { $link }

## Confirm an address
mail-verify-subject = Confirme su dirección de correo electrónico para { $org }
mail-verify-intro = Abra este enlace para confirmar que esta es su dirección de correo electrónico:
mail-verify-button = Confirmar mi dirección de correo electrónico
mail-verify-outro = Si no ha cambiado su dirección de correo electrónico en nuestros registros, ignore este correo.

## An address removed from a record (it may be a stranger's: it says nothing of the customer)
mail-removed-subject = Se ha eliminado una dirección de correo electrónico de una cuenta
mail-removed-text = Esta dirección de correo electrónico se ha eliminado de una cuenta registrada con nosotros, por lo que ya no recibirá aquí mensajes sobre esa cuenta.
mail-removed-outro = Si lo esperaba, no tiene que hacer nada. Si cree que se trata de un error, póngase en contacto con nosotros por la vía habitual.

## Staff changed something
mail-staff-changed-subject = Hemos cambiado sus preferencias de mensajes en su nombre
mail-staff-changed-intro = Nuestro personal ha cambiado sus preferencias de mensajes en su nombre:
mail-reason = Motivo indicado: { $reason }
mail-review = Revisar mis preferencias
mail-staff-undo = Deshacer: si no es lo que deseaba, abra la misma página y vuelva a cambiarlo; el cambio se aplica al instante.

## A sender changed something that needs the customer's consent
mail-sender-changed-subject = Hemos cambiado sus preferencias: revíselas, por favor
mail-sender-changed-intro = { $sender } ha cambiado sus preferencias de mensajes en su nombre:
mail-undo = Deshacer
mail-sender-changed-outro = Si no lo ha solicitado, deshaga el cambio con el enlace que aparece al lado o revise todas sus preferencias.
sender-change-subscribed = Se ha activado su suscripción a { $topic }.
sender-change-unsubscribed-all-cleared = Se ha anulado su decisión de darse de baja de todo.
sender-change-info-only-cleared = Ya no está marcada la opción “solo información, sin seguimiento” para { $topic }.
sender-change-channels = Ahora recibe { $topic } por { $channels }.
sender-change-channels-again = Podemos volver a contactarle por { $channels }.
sender-change-pause-shortened = Su pausa de mensajes ha terminado o se ha acortado.
sender-change-cap-raised = Su límite semanal de mensajes se ha aumentado o eliminado.

## Answers to a text reply (STOP, START, HELP); { $org } is the organisation's name.
reply-stop = { $org }: ya no le enviaremos más mensajes de texto. Responda START para volver a recibirlos. Sus preferencias: { $link }
reply-start = { $org }: se han reactivado los mensajes de texto. Responda STOP para dejar de recibirlos o HELP para obtener ayuda. Sus preferencias: { $link }
reply-help = { $org }: solo le enviamos los mensajes de texto que ha solicitado. Responda STOP para dejar de recibirlos o START para volver a recibirlos. Sus preferencias: { $link }
