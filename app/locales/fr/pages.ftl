# The customer's pages: the frame, the start page, sign-in, preferences, history.
# Each language folder holds the same keys. `$name` placeholders are filled in by the code.

## What this language is called, in itself (the language switch and "Your details").
language-name = Français

## The frame of every page; { $org } is the organisation's name (ATTUNE_ORG_NAME).
site-title = { $org } — vos préférences de messages
site-description = Choisissez les messages que vous recevez, par quel moyen et à quelle fréquence.
site-footer = { $org } garde la trace des messages que vous avez demandés — et uniquement de ceux-là.
language-switch-label = Langue

## Start page and sign-in
home-heading = Vos messages, selon vos souhaits
home-intro = Choisissez les messages que vous recevez de notre part, par quel canal et à quelle fréquence. Indiquez « information seulement » et personne ne vous relancera.
sign-in-heading = Connexion
sign-in-intro = Nous vous envoyons par e-mail un lien de connexion. Aucun mot de passe n’est nécessaire.
email-label = Adresse e-mail
sign-in-button = Recevoir un lien de connexion par e-mail
sign-in-sending = Envoi en cours…
sign-in-requested = Merci. Si nous connaissons cette adresse, un lien de connexion vous a été envoyé. Il est utilisable une seule fois, pendant 15 minutes.
signed-out = Déconnexion effectuée.
sign-in-prompt-heading = Veuillez vous connecter
sign-in-prompt-text = Pour consulter ou modifier vos préférences, connectez-vous avec le lien que nous vous envoyons par e-mail, ou utilisez le lien « gérer vos préférences » présent dans chacun de nos messages.
sign-in-prompt-link = Recevoir un lien de connexion

auth-checking = Vérification de votre lien…
auth-heading = Connexion à { $org }
auth-press-continue = Appuyez sur Continuer pour vous connecter sur cet appareil.
auth-continue = Continuer
auth-used = Ce lien de connexion a déjà été utilisé.
auth-expired = Ce lien de connexion a expiré : les liens sont valables 15 minutes.
auth-unknown = Ce lien de connexion n’est pas valide. Il a peut-être été copié de façon incomplète.
auth-unchecked = Nous n’avons pas pu vérifier ce lien pour le moment. Veuillez réessayer.
redeem-used = Ce lien a déjà été utilisé. Demandez-en un nouveau ci-dessous.
redeem-expired = Ce lien a expiré. Demandez-en un nouveau ci-dessous.
redeem-unknown = Ce lien n’est pas valide. Demandez-en un nouveau ci-dessous.
redeem-address-changed = Ce lien a été envoyé à une adresse qui n’est plus celle que nous avons enregistrée. Demandez-en un nouveau ci-dessous.
auth-problem-heading = Ce lien ne permet pas de vous connecter
auth-new-link = Recevoir un nouveau lien par e-mail

not-found-heading = Page introuvable
not-found-text = Cette page n’existe pas.
not-found-link = Aller à la page d’accueil

## Errors a page shows
error-not-signed-in = Veuillez vous connecter pour voir vos préférences.
error-internal = Un problème est survenu de notre côté. Veuillez réessayer dans un instant.
error-transport = La demande n’a pas pu aboutir. Veuillez vérifier votre connexion et réessayer.
error-link-dead = Ce lien ne fonctionne plus. Veuillez plutôt vous connecter.
error-too-many-sign-ins = Trop de demandes de connexion. Veuillez patienter 15 minutes, puis réessayer.
error-no-topic = Le thème « { $topic } » n’existe pas.
error-pause-date = Choisissez la date de fin de la pause.
error-pause-choice = Choix de pause inconnu : { $choice }.
error-email-needed = Saisissez une adresse e-mail : c’est elle qui vous permet de vous connecter.
not-saved = Non enregistré : { $error }

## The preference page
prefs-loading = Chargement de vos préférences…
prefs-heading = Vos préférences de messages
prefs-intro = Choisissez ce que nous vous envoyons, par quel moyen et à quelle fréquence.
prefs-for = Pour <strong>{ $email }</strong>.
prefs-signed-in-as = Compte connecté : <strong>{ $email }</strong>.
prefs-via-link = Vous avez ouvert cette page depuis un lien figurant dans l’un de nos messages. <a href="/">Connectez-vous</a> pour consulter votre historique, télécharger vos données ou modifier vos coordonnées.
prefs-history-link = Votre historique
prefs-download = Télécharger mes données
sign-out = Se déconnecter
saved-heading = Modifications enregistrées
saved-nothing-heading = Aucune modification
notice-unsubscribed-all = <strong>Vous ne recevez plus aucun message facultatif.</strong> Vous recevez toujours les messages obligatoires, comme les rappels de rendez-vous et les liens de connexion.
notice-paused = <strong>En pause jusqu’au { $date }.</strong> Les messages obligatoires vous parviennent toujours.
topics-heading = Thèmes
topics-hint = Ouvrez un thème pour le modifier.
everything-heading = Pour tous vos messages

## One topic
topic-off = désactivé
topic-no-channel = aucun canal choisi
topic-info-only = information seulement
topic-required-note = Obligatoire : ces messages ne peuvent pas être désactivés, car ils vous sont nécessaires. Vous pouvez choisir comment ils vous parviennent.
topic-send-me = Recevoir les messages « { $topic } »
topic-how = Par quel moyen
topic-how-often = À quelle fréquence, au maximum
topic-info-only-label = Information seulement : ne jamais me relancer par téléphone ni par des messages commerciaux
topic-save = Enregistrer mes choix pour « { $topic } »
topic-saving = Enregistrement…
topic-saved = Modifications enregistrées : { $items }.
topic-nothing-changed = Aucune modification.
topic-undo = Annuler
topic-note-email-disputed = Votre adresse e-mail nous a été signalée comme ne vous appartenant pas ; notre équipe va vérifier.
topic-note-phone-disputed = Votre numéro de téléphone nous a été signalé comme ne vous appartenant pas ; notre équipe va vérifier.
topic-note-no-email = Nous n’avons pas d’adresse e-mail pour vous.
topic-note-no-phone = Nous n’avons pas de numéro de téléphone pour vous : nous ne pouvons donc ni vous envoyer de SMS ni vous appeler.
topic-note-no-push = Notre application ne gère pas encore les notifications.

## Choices for everything
global-heading = Pauses, heures calmes, appels et SMS
global-summary-paused = en pause jusqu’au { $date }
global-summary-not-paused = pas de pause
global-summary-quiet = heures calmes { $start }–{ $end }
global-summary-no-calls-texts = aucun appel ni SMS
global-summary-no-calls = aucun appel
global-summary-no-texts = aucun SMS
pause-legend = Faire une pause
pause-keep = Rester en pause jusqu’au { $date }
pause-none = Pas de pause
pause-week = Pause d’une semaine
pause-month = Pause d’un mois
pause-until-choice = Pause jusqu’à une date :
pause-until-label = Pause jusqu’au
quiet-legend = Heures calmes pour les SMS et les appels
quiet-label = Aucun SMS ni appel entre ces heures (dans votre fuseau horaire)
quiet-from = De
quiet-to = à
channels-legend = Canaux
never-call = Ne jamais m’appeler
never-text = Ne jamais m’envoyer de SMS
global-save = Enregistrer ces réglages

## Your details
details-heading = Vos coordonnées
details-confirmed = Confirmation effectuée.
details-unconfirmed = Confirmation en attente : nous vous avons envoyé un lien de confirmation.
details-pending = En attente de confirmation : nous avons envoyé un lien à { $email }. Tant qu’il n’a pas été utilisé, nous continuons d’écrire à l’adresse ci-dessus.
details-email-hint = Si vous la modifiez, un lien de confirmation sera envoyé à la nouvelle adresse.
details-time-zone = Fuseau horaire
details-language = Langue
details-phone = Téléphone : { $phone }
details-no-phone = Nous n’avons pas de numéro de téléphone pour vous.
details-save = Enregistrer mes coordonnées

## Unsubscribe from everything
all-heading = Se désabonner de tout
all-is-off = Vous ne recevez plus aucun message facultatif.
all-resubscribe = Me réabonner à mes thèmes
all-explain = Arrêtez tous les messages facultatifs en une seule fois. Les messages obligatoires, comme les liens de connexion, vous parviennent toujours.
all-button = Me désabonner de tout

## History
history-loading = Chargement de votre historique…
history-heading = Votre historique
history-intro = Toutes les modifications de ce que nous pouvons vous envoyer : qui les a faites, et quand.
history-back = Retour à vos préférences
history-empty = Aucune modification pour l’instant.
history-record = fiche { $record }
history-reason = Motif indiqué : { $reason }
history-confirmed-by = Confirmé par :
history-confirmed-at = Confirmé le { $when }
history-receipt = { $system } { $state ->
    [confirmed] ✓
    [sending] — envoi en cours
    [retrying] — nouvelle tentative en cours
    [failed] — échec
   *[disabled] — non transmis (point de terminaison désactivé)
}
history-older = Modifications plus anciennes

# Why a change was refused: the link, session or reply it came with does not allow it.
refusal-not-your-record = Cette fiche ne relève pas de l’adresse avec laquelle vous vous êtes connecté.
refusal-undo-of-another-change = Cette annulation concerne une autre modification ; rien n’a été changé.
refusal-undone-already = Cette modification a déjà été annulée.
refusal-report-only = Un signalement ne change rien d’autre.
refusal-report-other-address = Ce lien signale seulement l’adresse à laquelle il a été envoyé.
refusal-confirmation-only = Un lien de confirmation confirme seulement son adresse.
refusal-address-unconfirmed = Une adresse ne change qu’une fois la nouvelle adresse confirmée.
refusal-link-only-what-you-get = Un lien de désabonnement change seulement ce que vous recevez.
refusal-link-only-less = Un lien de désabonnement peut seulement vous en envoyer moins ; connectez-vous pour en demander plus.
refusal-reply-only-what-you-get = Une réponse change seulement ce que vous recevez.
refusal-link-other-channel = Ce lien ne peut pas changer ce que vous recevez par { $channel } ; connectez-vous pour le faire.
