# Every message Attune sends: mail (subject, plain text, HTML) and the answers to texts.
# Mail bodies are plain text; the HTML version is built from the same lines. { $org } is the
# organisation's name (ATTUNE_ORG_NAME): every mail is signed with it, never with Attune's.

hello = Bonjour,
mail-sign-off =
    Cordialement,
    { $org }

## Sign-in link
mail-sign-in-subject = Votre lien de connexion à { $org }
mail-sign-in-intro = Utilisez ce lien pour vous connecter et gérer les messages que vous recevez de notre part :
mail-sign-in-button = Accéder à vos préférences
mail-sign-in-outro = Il est utilisable une seule fois, pendant 15 minutes. Si vous ne l’avez pas demandé, vous pouvez ignorer cet e-mail : rien ne change tant que le lien n’est pas utilisé.
mail-copy-address = Ou copiez cette adresse : { $link }

## Confirm an address
mail-verify-subject = Confirmez votre adresse e-mail pour { $org }
mail-verify-intro = Veuillez confirmer qu’il s’agit bien de votre adresse e-mail en ouvrant ce lien :
mail-verify-button = Confirmer mon adresse e-mail
mail-verify-outro = Si vous n’avez pas modifié votre adresse e-mail chez nous, ignorez cet e-mail.

## An address removed from a record (it may be a stranger's: it says nothing of the customer)
mail-removed-subject = Une adresse e-mail a été retirée d’un compte
mail-removed-text = Cette adresse e-mail a été retirée d’un compte chez nous : vous ne recevrez donc plus ici de messages concernant ce compte.
mail-removed-outro = Si vous vous y attendiez, vous n’avez rien à faire. Si vous pensez qu’il s’agit d’une erreur, veuillez nous contacter par votre moyen habituel.

## Staff changed something
mail-staff-changed-subject = Nous avons modifié vos préférences de messages
mail-staff-changed-intro = Notre équipe a modifié vos préférences de messages :
mail-reason = Motif indiqué : { $reason }
mail-review = Consulter vos préférences
mail-staff-undo = Annuler : si ce n’est pas ce que vous souhaitiez, ouvrez cette même page et rétablissez votre choix — la modification prend effet immédiatement.

## A sender changed something that needs the customer's consent
mail-sender-changed-subject = Nous avons modifié vos préférences — merci de vérifier
mail-sender-changed-intro = { $sender } a modifié vos préférences de messages en votre nom :
mail-undo = Annuler
mail-sender-changed-outro = Si vous n’avez pas demandé cette modification, annulez-la avec le lien situé à côté, ou consultez l’ensemble de vos préférences.
sender-change-subscribed = Vous recevez désormais les messages « { $topic } ».
sender-change-unsubscribed-all-cleared = Votre choix de vous désabonner de tout a été annulé.
sender-change-info-only-cleared = Le thème « { $topic } » n’est plus en mode « information seulement, sans relance ».
sender-change-channels = Les messages « { $topic } » vous parviennent désormais par { $channels }.
sender-change-channels-again = Nous pouvons de nouveau vous contacter par { $channels }.
sender-change-pause-shortened = La pause de vos messages a pris fin ou a été raccourcie.
sender-change-cap-raised = Votre limite de messages par semaine a été relevée ou supprimée.

## Answers to a text reply (STOP, START, HELP); { $org } is the organisation's name.
reply-stop = { $org } : vous ne recevrez plus de SMS de notre part. Répondez START pour les recevoir de nouveau. Vos choix : { $link }
reply-start = { $org } : les SMS sont réactivés. Répondez STOP pour les arrêter, HELP pour obtenir de l’aide. Vos choix : { $link }
reply-help = { $org } : nous vous envoyons uniquement les SMS que vous avez demandés. Répondez STOP pour arrêter les SMS, START pour les recevoir de nouveau. Vos choix : { $link }
