# Plain words: channels, frequencies, dates, and each change as the history and "Saved" say it.

## A channel as a choice's label, and inside a sentence ("Turned off text messages").
channel-label = { $channel ->
    [email] E-mail
    [sms] SMS
    [voice] Appel téléphonique
   *[push] Notification de l’application
}
channel-word = { $channel ->
    [email] e-mails
    [sms] SMS
    [voice] appels téléphoniques
   *[push] notifications de l’application
}
# Two or more items: "email, text messages and phone calls".
list-and = { $rest } et { $last }

## How often: the choice's label, and inside a sentence.
frequency-option = { $frequency ->
    [immediate] Au fur et à mesure
    [daily] Au plus une fois par jour
    [weekly] Au plus une fois par semaine
   *[monthly] Au plus une fois par mois
}
frequency-words = { $frequency ->
    [immediate] au fur et à mesure
    [daily] au plus une fois par jour
    [weekly] au plus une fois par semaine
   *[monthly] au plus une fois par mois
}

## Dates and times, in the contact's time zone: "3 May 2026 14:02", "3 May 2026".
date-time = { $day } { $month ->
    [1] janv.
    [2] févr.
    [3] mars
    [4] avr.
    [5] mai
    [6] juin
    [7] juil.
    [8] août
    [9] sept.
    [10] oct.
    [11] nov.
   *[12] déc.
  } { $year } à { $time }
date = { $day } { $month ->
    [1] janv.
    [2] févr.
    [3] mars
    [4] avr.
    [5] mai
    [6] juin
    [7] juil.
    [8] août
    [9] sept.
    [10] oct.
    [11] nov.
   *[12] déc.
  } { $year }

## Who made a change, as the customer's history says it; by-org: the organisation's own systems.
by-you = Vous
by-you-link = Vous, depuis un lien reçu par e-mail
by-staff = Modifié par notre équipe
by-sender = Modifié par { $sender } en votre nom
by-our-systems = Modifié par l’un de nos systèmes en votre nom
by-org = Mis en place par { $org }
by-reply = Vous avez répondu
by-reply-text = Vous avez répondu { $word } par SMS
by-reply-call = Vous avez appuyé sur 9 lors d’un appel automatique
by-reply-mail = Vous avez répondu par e-mail pour vous désabonner

## Each change in words.
change-address-all = tous les messages facultatifs
change-address-phone = Arrêt des envois à ce numéro de téléphone : { $what } (demande faite depuis une autre fiche)
change-address-email = Arrêt des envois à cette adresse e-mail : { $what } (demande faite depuis une autre fiche)
change-address-phone-again = Reprise des envois à ce numéro de téléphone : { $what }
change-address-email-again = Reprise des envois à cette adresse e-mail : { $what }
change-topic-on = Activation du thème « { $topic } »
change-topic-off = Désactivation du thème « { $topic } »
change-channel-on = Activation des { $channel } pour « { $topic } »
change-channel-off = Désactivation des { $channel } pour « { $topic } »
change-frequency = Fréquence choisie pour « { $topic } » : { $frequency }
change-frequency-unknown = Nouvelle fréquence choisie pour « { $topic } »
change-info-only-on = Choix de l’option « information seulement, sans relance » pour « { $topic } »
change-info-only-off = Relances de nouveau autorisées pour « { $topic } »
change-unsubscribed-all = Désabonnement de tous les messages facultatifs
change-resubscribed-all = Réabonnement après un désabonnement de tous les messages
change-never-call = Demande de ne jamais recevoir d’appels
change-never-text = Demande de ne jamais recevoir de SMS
change-stopped-channel = Arrêt complet des { $channel }
change-allowed-channel = Réactivation des { $channel }
change-paused = Mise en pause des messages jusqu’au { $date }
change-pause-ended = Fin de la pause
change-quiet-hours = Heures calmes définies pour les SMS et les appels : { $start }–{ $end }
change-quiet-hours-off = Désactivation des heures calmes
change-weekly-cap = Nombre de messages limité à { $count } par semaine
change-weekly-cap-off = Suppression de la limite hebdomadaire
change-email = Nouvelle adresse e-mail : { $email }
change-email-removed = Suppression de l’adresse e-mail
change-email-confirmed = Confirmation de l’adresse e-mail
change-email-unconfirmed = Adresse e-mail à confirmer
change-phone = Nouveau numéro de téléphone : { $phone }
change-phone-removed = Suppression du numéro de téléphone
change-phone-confirmed = Confirmation du numéro de téléphone
change-phone-unconfirmed = Numéro de téléphone à confirmer
change-language = Langue choisie : { $language }
change-time-zone = Fuseau horaire choisi : { $zone }
change-dispute-checked = Vérification par notre équipe { $kind ->
    [phone] du numéro de téléphone signalé
   *[email] de l’adresse e-mail signalée
}
change-disputed = { $kind ->
    [phone] Numéro de téléphone signalé
   *[email] Adresse e-mail signalée
} comme n’appartenant pas à la bonne personne
change-other = Modification du champ { $field }
