# The pages behind links in messages: /u (unsubscribe) and /n ("not me").

unsubscribe-page-title = Désabonnement
unsubscribe-topic-heading = Vous désabonner des messages « { $topic } » ?
unsubscribe-all-heading = Vous désabonner de tous les messages facultatifs ?
unsubscribe-for-address = Pour les messages reçus sur <strong>{ $address }</strong>.
unsubscribe-phone-ending = le numéro de téléphone se terminant par { $digits }
unsubscribe-required-note = Ces messages sont obligatoires (comme les rappels de rendez-vous ou les alertes de sécurité) : ils ne peuvent donc pas être désactivés. Vous pouvez choisir comment ils vous parviennent sur votre page de préférences.
unsubscribe-topic-button = Me désabonner des messages « { $topic } »
unsubscribe-all-button = Me désabonner de tout
less-often-heading = Plutôt moins souvent ?
less-often-label = Recevoir les messages « { $topic } »
less-often-button = Recevoir moins souvent
stop-everything-heading = Tout arrêter
stop-everything-text = Arrêtez tous nos messages facultatifs. Les messages obligatoires, comme les liens de connexion, vous parviennent toujours.
stop-everything-button = Tout arrêter
link-not-me = Ce n’est pas moi — je n’ai jamais demandé à recevoir ces messages
link-manage-all = Gérer toutes mes préférences

## After a choice
outcome-unsubscribed = Désabonnement confirmé
outcome-unsubscribed-topic = Vous ne recevrez plus les messages « { $topic } » de notre part.
outcome-unsubscribed-all = Vous ne recevrez plus aucun message facultatif de notre part. Les messages obligatoires, comme les liens de connexion, vous parviennent toujours.
outcome-unsubscribed-everything = Désabonnement de tous les messages confirmé
outcome-required-heading = Les messages « { $topic } » ne peuvent pas être désactivés
outcome-required-text = Les messages « { $topic } » sont obligatoires : vous ne pouvez donc pas vous en désabonner. Aucune modification n’a été effectuée.
undo-keep-getting = Annuler : continuer à recevoir les messages « { $topic } »
undo-subscribe-again = Annuler : me réabonner
outcome-less-often = C’est noté : moins souvent
outcome-less-often-text = Vous recevrez les messages « { $topic } » { $frequency } au maximum.
undo-as-before = Annuler : revenir à la fréquence précédente
outcome-subscribed-again = Réabonnement confirmé
outcome-keep-getting = Vous continuerez à recevoir les messages « { $topic } ».
outcome-earlier-choices = Vos choix précédents s’appliquent de nouveau.
outcome-changed-back = Retour au réglage précédent
outcome-changed-back-text = Vous recevrez de nouveau les messages « { $topic } » { $frequency }.
# "You will get Offers once a week at most."
link-frequency = { $frequency ->
    [immediate] au fur et à mesure
    [daily] une fois par jour
    [weekly] une fois par semaine
   *[monthly] une fois par mois
}

## Links that can't be used
link-expired-heading = Ce lien a expiré
link-expired-text = Les liens de nos messages sont valables six mois. Aucune modification n’a été effectuée.
link-wrong-kind-heading = Ce lien correspond à une autre page
link-nothing-changed = Aucune modification n’a été effectuée.
link-broken-heading = Ce lien ne fonctionne pas
link-broken-text = Il a peut-être été tronqué ou modifié lors d’un copier-coller. Aucune modification n’a été effectuée.
link-gone-heading = Nous ne conservons plus vos coordonnées
link-gone-text = Il n’y a aucun abonnement à arrêter : nous n’envoyons aucun message à cette adresse.
link-undo-expired-heading = Le délai d’annulation est dépassé
link-undo-expired-text = Une modification peut être annulée pendant une heure, depuis la page où elle a été faite. Aucune modification n’a été effectuée ; vous pouvez refaire votre choix sur votre page de préférences.
link-no-topic-heading = Rien à modifier
link-no-topic-text = Ce lien ne concerne pas un thème en particulier.
link-choose-how-often-heading = Choisissez une fréquence
link-choose-how-often-text = Choisissez une fois par semaine ou une fois par mois.
link-nothing-to-undo = Rien à annuler
link-form-incomplete = Le formulaire était incomplet.
link-unknown-choice-heading = Choix inconnu
link-unknown-choice-text = « { $choice } » n’est pas une action possible sur cette page.
link-cant-change = Ce réglage ne peut pas être modifié
link-still-sign-in = Vous pouvez toujours <a href="/">vous connecter avec votre adresse e-mail</a> pour gérer vos messages.

## Not me
not-me-page-title = Ce n’est pas vous ?
not-me-heading = Ce n’est pas vous ?
not-me-text = Si <strong>{ $address }</strong> est votre adresse mais que vous ne nous l’avez jamais communiquée, quelqu’un s’est peut-être trompé en saisissant la sienne. Signalez-le-nous : nous n’enverrons plus rien à cette adresse tant que notre équipe n’aura pas réglé la situation.
not-me-button = Ce n’est pas moi — ne plus rien envoyer à cette adresse
not-me-nothing-heading = Rien à signaler
not-me-nothing-text = Nous ne détenons plus aucune adresse associée à ce lien.
not-me-nothing-changed = Nous ne détenons plus aucune adresse associée à ce lien. Aucune modification n’a été effectuée.
not-me-thanks-heading = Merci
not-me-thanks-text = Nous cessons tout envoi vers { $address } jusqu’à ce que notre équipe ait fait les vérifications nécessaires. Vous n’avez rien d’autre à faire.
link-outdated-heading = Ce lien concernait une ancienne adresse
link-outdated-text = Ce lien a été envoyé à une adresse que nous n’avons plus pour vous : il ne peut donc rien modifier. Rien n’a été modifié.
