"""The classifier's word lists, English and Spanish, as data.

Entries are written accent-folded and lowercase, one ``phrase=weight`` per item, items separated
by ``;``. A trailing ``*`` on a word matches any word with that prefix (light stemming); a trailing
``+`` on a Spanish verb also matches it with an attached pronoun (``matar+`` -> ``matarme``,
``matarla`` ...). A phrase that starts with ``@`` in CATEGORY_TERMS is a concept, not a category.
The longest phrase at a position wins, so ``drug trafficking`` is not read as ``trafficking``.
"""

from __future__ import annotations

CATEGORY_TERMS: dict[str, str] = {
    "homicide": """
        murder*=3; murdered=3; murda=2; killed=3; kill him=1; got killed=3.5; was killed=3.5;
        homicide=4; homocide=4; homicid*=4; dead body=4; body=1; bodies=2; found dead=4;
        stabbed to death=5; beat to death=5; beaten to death=5; shot dead=5; shot and killed=5;
        died=2; dead=2; death=1.5; who killed=4; killer=3; killers=3; merked=2.5; murked=2.5;
        catch a body=4; caught a body=4; took his life=3; funeral=1; rip=1; passed away=1.5;
        asesin*=4; mataron=4; lo mato=4; la mato=4; los mato=4; lo mataron=5; la mataron=5;
        muerto=2.5; muerta=2.5; muertos=2.5; cadaver*=4; homicidio=4; murio=2; fallecio=2;
        cuerpo=1.5; sin vida=3; mato=3; to death=3; lo ultimaron=4; lo quebraron=3; lo tumbaron=2.5;
        smoked=2; quito la vida=4;
        did him in=3; did her in=3; offed=3; whacked=2.5; bodied=3; popped him=2;
        killed him=3.5; killed her=3.5; was murdered=4; got murdered=4; killing=2.5;
        found him dead=4; found her dead=4; found in the river=2.5; found floating=3;
        le quitaron la vida=4; lo asesinaron=5; la asesinaron=5; lo mataron a=5;
        lo despacharon=3; lo matan=3; lo encontraron muerto=5; la encontraron muerta=5;
        ajusticiaron=3; lo ejecutaron=4; ejecutado=3; lo picaron hasta matarlo=5
    """,
    "shooting": """
        shot=2.5; shots=3; shooting=3; shootin=3; shoot out=3; shootout=3; gunshot*=3;
        gun shot*=3; gunfire=3; shots fired=4; opened fire=4; fired=1.5; firing=2; bullet*=2.5;
        shell casing*=4; casings=3.5; shells=1.5; drive by=3.5; driveby=3.5; popping off=2.5;
        sprayed=2; letting off=2.5; let off shots=4; blasting=1.5; got hit=1; pop pop=3;
        shot at=3.5; shot up=3; bullet hole*=4; shooter=3; sounded like fireworks=2;
        balacera=4; balaceras=4; balazo*=3.5; baleado*=3.5; balearon=4; balacearon=4;
        dispar*=2.5; tiroteo=4; tiros=3; tiro=1.5; plomazo*=3.5; plomo=1.5; casquillo*=4;
        herido de bala=4; bala*=2; le dieron un tiro=4; tronaron=2; detonaciones=3;
        pops=2; heard pops=3.5; popping=1.5; shot him=3; shot her=3; got shot=3.5; was
        shot=3.5; been shot=3.5; shots rang out=4;
        rounds=1.5; fired rounds=3.5; fired shots=4; busting=1.5; clapping=1.5; bussin=1;
        le dispararon=4; nos dispararon=4; dispararon=3.5; disparos=3.5; tirando tiros=4;
        tirando balazos=4; tirotearon=4; lo balearon=4; lo balacearon=4; echaron bala=4;
        echando bala=4; pegaron un tiro=4; le pegaron un tiro=4; le metieron un tiro=4;
        rafaga*=3; detonacion*=3
    """,
    "weapons": """
        gun=2; guns=2.5; gunz=2.5; gunn=2; firearm*=3; pistol*=2.5; handgun*=3; rifle*=2.5;
        ar 15=3.5; ar15=3.5; ak=2; ak 47=3.5; ak47=3.5; glock*=3; strap=2.5; straps=2.5;
        strapped=2.5; blick*=3; pole=1; choppa=3; chopper=2; draco=3; ghost gun*=4;
        glock switch=4; switch=1; auto sear=4; extended clip*=4; extended mag*=4; clip=1;
        ammo=2.5; ammunition=2.5; machine gun*=3; selling guns=4; sells guns=4; sell guns=4;
        gun sale*=4; stash=1; piece=1; packing=1.5; carrying=1.5; concealed=1.5; armed=1.5;
        revolver=3; shotgun=3; 9mm=3; 40 cal=3; 45=0.5; 22=0.3; silencer=3; gun store=1;
        no license=1; without a license=1.5; no tiene permiso=1.5;
        armas escondidas=4; tiene armas=3; guarda armas=3.5; keeps a gun=3; keeps guns=3.5;
        an ar=2.5; a ar=2.5; his ar=2.5; license to carry=2.5; trunk full of=1.5;
        pistola*=3; arma=2.5; armas=2.5; armado=1.5; armados=1.5; cuete=3; cuetes=3;
        cuetazo=2; fierro*=2.5; fusil*=3; cuerno de chivo=4; cuernos de chivo=4; escuadra=2.5;
        municion*=3; arma de fuego=4; armas de fuego=4; vende armas=4; venden armas=4;
        venta de armas=4; trae una pistola=3; pistolon=3; chopo=2.5; tiene un arma=3;
        una 9=2.5; una nueve=2.5; navaja=1; cuchillo=1; knife=1; machete=1.5;
        gat=2.5; heat=0.5; burner=1.5; tool=0.5; iron=1; 380=2; 357=2; 38 special=3;
        assault rifle=3.5; uzi=3; tec 9=3.5; mac 10=3.5; long gun=3; stolen gun*=4;
        gun in his waistband=4; waistband=2; bulge=1; selling a gun=4; sold me a gun=4;
        trafficking guns=5; gun runner*=4; straw purchase*=5; arsenal=3;
        guarda una pistola=3.5; esconde armas=4; esconde una pistola=4; cargador=2;
        balas=2.5; cartuchos=2.5; chumbo=2; pistolita=3; revolver=3; la 38=2.5;
        trafica armas=5; trafico de armas=5; armas ilegales=5; arma ilegal=5;
        matraca=2.5; cuerno=2; r 15=3; metralleta=3.5
    """,
    "assault": """
        assault*=2.5; asault*=2.5; beat up=3; beat him up=3.5; beat her up=3; beating=2.5;
        beat him=2.5; jumped=2.5; got jumped=3.5; punch*=2.5; fight=2; fights=2; fighting=2;
        fought=2; stab*=3; knife=1.5; knives=1.5; attack*=2.5; hit him=2; kick*=2; brawl=3;
        smacked=2; slap*=2; pistol whip*=3.5; hurt=1; bleeding=1.5; swung=1.5;
        threw hands=3; stomped=3; stomping=3; jumping people=3.5; choked him=2.5;
        knocked out=3; knocked him out=3.5; sucker punch*=3.5; bat=1.5; baseball bat=3;
        broke his jaw=4; broken nose=3; bottle=0.5; cut him=2; cut her=1.5; box cutter=2.5;
        golpe*=2.5; golpiza=3.5; pelea*=2; peleando=2; agredi*=3; agresion=2.5; apunal*=3.5;
        acuchill*=3.5; navaja*=1.5; cuchillo*=1.5; madrazo*=3; chingadazo*=3; le pegaron=3;
        pegaron=2; patada*=2.5; punetazo*=3; trompada*=3; lo atacaron=3; ataco=2;
        atacaron=2.5; ataque=2; sangr*=1; herido=1.5; herida=1.5; lo lastimaron=3; bate=2;
        le rompieron=2.5; puno=1.5; cachazo*=3; le dieron una=2; reventaron=1.5;
        pulled a knife=3; pulled a knife on=3; cuchillad*=3.5; a cuchilladas=4;
        se estan agarrando=3; agarrando a=1.5; se agarraron=2.5; knife on me=2.5; fight with
        knives=4;
        persigu*=2; chasing=1.5; chased=1.5; stitches=2; puntadas=2; busted his head=3;
        hit him with=3; hit her with=3; hit me with=3; smashed a bottle=3.5;
        got beat=3; beat down=3; beatdown=3; beat the crap=3; whooped on=2.5; jumping=1;
        lo golpearon=3.5; la golpearon=3.5; me golpearon=3.5; golpearon=3; le dieron una golpiza=4;
        lo agarraron a golpes=4; a golpes=3; a palos=3; a batazos=3.5; botellazo=3.5;
        lo madrearon=3.5; le partieron=2.5; le rajaron=3; lo cortaron=3; navajazo=3.5;
        machetazo*=4; lo chuzaron=3.5; lo apunalaron=4; pelea con cuchillos=4;
        entre varios=2; le cayeron=2; lo jumpearon=3
    """,
    "domestic_violence": """
        domestic=3.5; dv=2.5; restraining order=3.5; protective order=3.5;
        209a=4; abuse order=3.5; abusive=2; hits her=2.5; beats her=3; beats his wife=4;
        beats his girlfriend=4; hits his wife=4; hits his girlfriend=4; choked=2.5;
        choking=2; strangl*=3; screaming=1; yelling=0.5; controlling=1.5; jealous=1.5;
        takes her phone=2.5; wont let her leave=2.5; black eye=2; her face=1; bruise*=1;
        violencia domestica=4; violencia familiar=4; violencia intrafamiliar=4;
        orden de restriccion=4; orden de proteccion=4; le pega=3; me pega=3; la golpea=3;
        me golpea=3; la golpeo=3; me golpeo=3; maltrat*=2; ahorc*=2.5; celos*=2;
        la amenaza=1.5; no la deja salir=2.5; le quita el telefono=2.5; la encierra=2.5;
        la insulta=1.5; moretones=1.5; ojo morado=2.5;
        choked her=4; choked me=3; chokes her=4; strangled her=4; slammed her=3;
        slamming her=3; beat his wife=4; beat his girlfriend=4; hit his wife=3.5;
        punched his girlfriend=4; hits his girlfriend=4; broke my arm=2.5; my ex=1;
        her ex=1; his ex=1; abuser=2.5; abusive relationship=4; domestic violence=5;
        women's shelter=3; shelter=1; safe house=2; scared to leave=3; cant leave him=3;
        me pego=3; me golpeaba=3; la golpeaba=3; le pegaba=3; me pegaba=3; le pega a su=3;
        le pega a su esposa=4; le pega a su mujer=4; golpea a su esposa=4; golpea a su mujer=4;
        me maltrata=3.5; la maltrata=3.5; mi pareja=1.5; mi marido=1; cara golpeada=3;
        sale golpeada=3; la trae golpeada=3.5; la cela=2; muy celoso=2.5; celoso=2
    """,
    "sexual_assault": """
        rape=4; raped=4; rapes=4; raping=4; rapist=4; sexual assault=5; sexually assault*=5;
        sexually abus*=4; sexual abuse=4; molest*=3.5; grop*=3.5; touched her=2.5;
        touched me=2.5; touching=1.5; inappropriately=2; forced himself=4; sexual=2;
        indecent exposure=4; exposed himself=4; exposing himself=4; flashing=1.5; flashed=1.5;
        masturbat*=3.5; roofie*=4; drugged her=3; drugged my drink=4; something in her drink=3;
        unwanted=1; sex=1.5; naked=2; nudes=2.5; private parts=3; creep=1.5; pervert=2.5; grabbing
        women=3.5; grabbing girls=3.5;
        grabbing=1.5; tocando=2.5; la estuvo tocando=3.5;
        violacion=4; violaron=4; violo=4; violada=4; violado=4; violador=4; abuso sexual=5;
        abuso sexualmente=5; acoso sexual=4; manose*=3.5; me toco=2.5; la toco=2.5;
        la tocaba=2.5; tocamientos=3.5; sus partes=3; exhibicionista=4; se masturba*=4;
        algo en la bebida=3; desnud*=2; sexual*=2; encuerado=2; le ensena el pene=4; abusaron de
        mi=4; abuso de mi=4;
        me drogaron=2.5; abusaron de ella=4;
        put something in my drink=4; something in my drink=4; drugged me=3.5;
        spiked my drink=4; spiked=2; roofied=4; woke up naked=4; took advantage of=3;
        forced me to=2.5; made me touch=4; touched my=2.5; grabbed my=2; grabbing their=2.5;
        rubbing up against=3.5; rubbing against=3; upskirt=4; peeping tom=4; peeping=2.5;
        sextortion=4; revenge porn=4; nudes of=3; leaked my=2; catcall*=1.5;
        la violaron=5; me violaron=5; la violo=5; me violo=5; abuso de ella=4;
        le toco sus partes=5; me toco mis partes=5; se le pego=2; se le repega=3;
        nalgas=2; la nalga=2; manosea=3.5; manoseando=3.5; le levanta la falda=4;
        la drogaron=3.5; algo en mi bebida=4; le echaron algo=3; acosando=2; acosa=2
    """,
    "child_abuse": """
        child abuse=5; child neglect=5; neglect*=3; left alone=2; home alone=2.5;
        alone in the car=3; starv*=2; dcf=3; cps=3; child porn*=5; csam=5; pedophile=4;
        pedo=2.5; grooming=3; groom*=2.5; child predator=5; whoop*=2; whooping=2.5;
        beats the kids=4; beats his kids=4; beats her kids=4; hits the kids=4; hits her kids=4;
        hits his kids=4; abuses the kids=4; locked in=1.5; locks them=2.5; dirty diapers=3;
        no food=2; hungry=1.5; not fed=2.5; unsupervised=2.5; alone all day=3;
        maltrato infantil=5; abuso infantil=5; abuso de menores=5; los deja solos=4;
        las deja solas=4; deja a los ninos solos=4; solitos=2.5; solos=1; no les da de comer=4;
        no les dan de comer=4; les pega=3; le pega al nino=4; le pega a la nina=4;
        le pega a sus hijos=4; les pega a los ninos=4; pornografia infantil=5; pedofilo=4;
        abandon*=1.5; moretones=1; encerrados=1.5; desnutrid*=3; sucios=1.5; descuid*=2.5;
        chancla=1.5; cinturon=1.5; cinto=1.5; sin comer=2.5;
        solo en el carro=4; sola en el carro=4; solito en el carro=4;
        in diapers=2.5; diapers=2; dirty clothes=1.5; never home=1.5; mom is never home=3;
        locked in a room=3; locked in the closet=4; beats the baby=5; shakes the baby=5;
        shaking the baby=5; burned the kid=4; cigarette burns=4; marks on his back=3;
        marks on her back=3; marks all over=2.5; extension cord=3; with a belt=2.5;
        as punishment=2; whoops them=3.5; beats them=3; child support=0; baby=0.5;
        inappropriate with kids=4; messages to kids=3; sends messages to=1.5;
        texting my daughter=3; texting my son=3; dont tell your parents=4;
        no le diga a sus papas=4; no le digas a tus papas=4; fotos raras=2.5; mensajes raros=2;
        le quema=3; como castigo=3; panales=2; en panales=2.5; los tiene sucios=3;
        no los manda a la escuela=3; los encierra=3.5; la encierra=1; maltrata a los ninos=5;
        maltrata a sus hijos=5; les pega con=4; le pega con=3; a su nino=1.5; a su hijo=1
    """,
    "human_trafficking": """
        traffick*=3; trafficking=3.5; human trafficking=6; sex trafficking=6; trafficked=4;
        forced to work=4; forced labor=4; held against=4; against her will=4;
        against their will=4; against his will=3.5; passport*=2.5; took their passports=4;
        took their papers=4; massage parlor=3; massage parlour=3; spa=1; pimp*=3.5;
        prostitut*=3; hooker*=2.5; escort*=2.5; sex work*=3; working off=2; debt=1.5;
        brothel=4; not allowed to leave=4; cant leave=2.5; live there=1; sleep there=2;
        sleeping there=2; underage girls=3; girls coming and going=3; being sold=3;
        smuggl*=2.5; smuggler*=3; coyote=2.5; no pay=2; not paid=2; dont get paid=2;
        trata de personas=6; trata de blancas=6; tratante*=4; prostitu*=3; padrote=4;
        proxeneta=4; chulo=2.5; obligan=2.5; obligada*=2.5; obligados=2.5; los obligan=3;
        las obligan=3; pasaporte*=2.5; les quitaron los papeles=4; no las dejan salir=4;
        no los dejan salir=4; no las dejan=3; no los dejan=3; encerrad*=1.5; deuda=2;
        casa de citas=4; burdel=4; sin pagarles=3; no les pagan=3; la migra=1.5;
        migracion=1; esclav*=3; explot*=2.5; cantina=1.5; ficheras=3; duermen ahi=2.5;
        viven ahi=1.5; las venden=3; never get paid=3.5; never gets paid=3.5;
        sleep in the basement=2.5; call immigration=2.5; immigration=1.5; not allowed to=2.5;
        lo tienen trabajando=4; la tienen trabajando=4; los tienen trabajando=4;
        las tienen trabajando=4; tienen trabajando=3; sin pagarle=3; sin pagarles=3;
        massage spot=3.5; massage place=3.5; massage=2; rub and tug=4; happy ending*=4;
        men in and out=3.5; older men=2.5; meet older men=4; for money=1;
        makes her=2; makes them=2; forces her=3; forced her=2.5; keeps all the money=3;
        keeps all of it=2; keeps their money=3; holds their passports=5; holds their papers=4;
        work for free=3; without pay=3; no pay=2; unpaid=2; live in the back=3;
        live at the store=3; sleep at the restaurant=3; locked in at night=3.5;
        de sirvienta=2.5; sin sueldo=3; sin paga=3; le quito el pasaporte=5;
        le quitaron el pasaporte=5; les quitan los papeles=5; la trajeron=2.5;
        los trajeron=2.5; promesa de trabajo=3.5; le prometieron trabajo=3.5;
        para pagar la deuda=4; pagar la deuda=3; acostarse con hombres=4; con hombres=1.5;
        la prostituyen=5; las prostituyen=5; las ponen a trabajar=4; trabajando sin=2.5
    """,
    "robbery": """
        robbed=2.5; robbery=3.5; robberies=3.5; rob=2.5; robbing=2.5; mugg*=3.5; held up=3;
        hold up=3; stick up=3.5; stuck up=3; at gunpoint=4; gunpoint=4; knifepoint=4;
        at knife point=4; took my wallet=3.5; took my phone=3; snatched=3; snatch*=2.5;
        purse=1.5; wallet=1.5; armed robbery=5; demanded money=3; give me your=2.5;
        hit a lick=3; run your pockets=3.5; ran his pockets=3.5; ran my pockets=3.5;
        pockets=1; register=1; cashier=1; clerk=1; masked=1.5; ski mask*=2;
        asalt*=3.5; atraco=3.5; atracaron=3.5; a punta de pistola=5; a mano armada=5;
        a punta de cuchillo=5; me quitaron=2.5; le quitaron=2.5; nos quitaron=2.5;
        arrebat*=3; cartera=1.5; billetera=1.5; bolsa=1; encapuchado*=1.5; cajero=1;
        me bajaron=2; lo bajaron=2; sticking people up=4; sticking up=3.5;
        stickup=3.5; holding up=3; asaltando=3.5; pulled a knife on=3.5;
        pulled a gun on=3.5; hand over=2.5; made me give=3; a la fuerza=1;
        jalaron=1.5; me jalaron=2.5; le jalaron=2.5; jalaron la cadena=4; arrancaron=2.5;
        me arrancaron=3; le arrancaron=3; cadena=1.5; chain=1; snatched my chain=4;
        ripped my chain=4; took my chain=3.5; jacked me=3; got jacked=2.5; robbed me=3.5;
        robbed him=3.5; robbed her=3.5; robbing people=4; mugged=4; get robbed=3;
        getting robbed=3.5; stick up kids=4; gun in my face=4; knife to my=3.5;
        me robaron el celular=4; me asaltaron=5; lo asaltaron=5; la asaltaron=5;
        nos asaltaron=5; asaltando=3.5; asaltan=3.5; atracan=3.5; me atracaron=5;
        me encanonaron=5; encanonaron=4; lo encanonaron=5; dame todo=3; dame el celular=4
    """,
    "burglary": """
        broke in=3.5; break in=3.5; broke into=3.5; breaking into=3.5; breaking in=3.5;
        break ins=3.5; breakin*=3.5; burglar*=4; burgl*=4; kicked in the door=4;
        kicked the door=3.5; kicked in=2; pried=3; pry=3; prying=3;
        pry open=3.5; broken into=3.5; been broken into=4; getting broken into=4; jimmied=3;
        got into my house=3.5;
        house was robbed=4; house got robbed=4; apartment was robbed=4; home was robbed=4;
        robbed my house=4; robbed my apartment=4; went through my=2; ransacked=4;
        forced entry=4; climbed in=3; climbing in=3; through the window=2; garage=1.5;
        shed=1.5; basement=0.5; broke the window=2; back door=1;
        se metieron=3.5; se metio a=3; se metio en=3; entraron a mi casa=4;
        entraron a robar=4; se metieron a robar=4; forzaron=3; rompieron la ventana=2.5;
        rompieron la puerta=3; robaron en mi casa=4; robaron mi casa=4; robo a casa=4;
        allanamiento=3.5; por la ventana=2; cerradura=2; chapa=1.5; brincaron=2; storage unit*=2;
        sotano=1.5; metiendose=3; metiendo=2; entrando a las casas=4; entran a las casas=4;
        se meten a las casas=4;
        entrando a los garajes=4; garajes=1.5; garaje=1.5; entrando a=1; robbed my store=3;
        broke into the store=4; broke into my car=3; car break in*=4; smash and grab=4;
        tried to break in=3.5; trying to break in=3.5; came through the window=3.5;
        someone was in my house=3.5; somebody was in my house=3.5; house was broken=4;
        entraron a robar=4; se metieron a mi casa=5; se metieron a la casa=4;
        se metieron en mi casa=5; se metieron al carro=3.5; abrieron la puerta=2;
        rompieron el candado=3; reventaron la puerta=4; forzaron la puerta=4;
        tumbaron la puerta=4; se brincaron=3; se brinco la barda=3.5; robaron la casa=4
    """,
    "theft": """
        stole=2.5; stolen=2; steal*=2.5; theft=3; shoplift*=4; package*=2.5; porch=1.5;
        porch pirate*=4; swiped=2.5; bike=1; bikes=1; bicycle=1.5; pickpocket*=4; thief=2.5;
        thieves=2.5; catalytic converter*=4; catalytic=3; boosting=3; boost=1.5; lifted=1;
        walked out without paying=4; without paying=3; copper=2; took=0.5; taking=0.5;
        amazon=1.5; delivery=1; deliveries=1; mail=1; tip jar=3; stealing=2.5;
        robaron=2; robo=2; robar*=2; roba=2; roban=2; robando=2; hurto=3.5; bici*=1.5;
        bicicleta*=1.5; paquete*=2.5; ladron*=2.5; ratero*=2.5; se llevo=2; se llevaron=2;
        tienda=0.5; carterista=4; catalizador*=4; sin pagar=3; correo=1; se robo=2.5; se roba=2.5;
        pocketing=3; pocketed=3; skimming=2; embezzl*=3.5; stealing from=3; steals from=3;
        from the register=2; cut the lock=3.5; bike got=2; my bike=2; jacked my bike=4;
        took my bike=4; took my package*=4; took the packages=4; stealing packages=4;
        shoplifter*=4; walking out with=3; walks out with=3; puts it in her bag=3;
        scrap metal=2; stripping the copper=3; gas siphon*=3; siphoning=3;
        se esta llevando=2.5; se lleva=2; se llevan=2; se robo=2.5; se roban=2.5;
        se robaron=2.5; me robaron la bici=4; me robaron el paquete=4; robaron el paquete=4;
        cortaron el candado=3.5; ropa de la tienda=2.5; metida en su bolsa=2.5;
        sin pagar=3; robando en la tienda=4; roba en la tienda=4; le robo=2; me robo=2
    """,
    "vehicle_theft": """
        stole my car=5; car was stolen=5; car stolen=5; stolen car=4; stolen cars=4;
        stolen vehicle*=4; car got stolen=5; carjack*=5; car jack*=5; chop shop=5;
        chopshop=5; vin=2.5; vin number*=3; switching plates=4; swapping plates=4;
        hotwir*=4; joyride=2.5; joyriding=2.5; stolen truck=5; stolen motorcycle=5;
        stealing cars=4; steal cars=4; kia boys=4; kia=1.5; hyundai=1.5; usb cable=1.5;
        took my car=4; took my truck=4; my car=1; my truck=1; tow=0.5; stolen plates=4;
        carro robado=5; auto robado=5; coche robado=5; carros robados=5; robo de carro=5;
        robo de auto=5; robo de vehiculo=5; desarmadero=5; deshuesadero=5; yonke=2.5;
        me robaron el carro=5; me robaron la camioneta=5; me robaron la troca=5;
        se robaron el carro=5; robaron el carro=5; robaron la camioneta=5; robaron mi carro=5;
        placas=1.5; cambian las placas=4; le cambian las placas=4; numero de serie=2.5;
        got taken=1; took my whip=4; stole my whip=5; stole my ride=5; my whip=1.5;
        change the vins=5; changing vins=5; repaint cars=3; repainting cars=3;
        chop shop=5; stripped car=3; stealing kias=5; steal kias=5; kias=2; hyundais=2;
        se llevaron el carro=5; se llevaron mi carro=5; se robaron mi carro=5;
        me robaron la moto=5; robaron la moto=5; se robaron la moto=5; la moto=1;
        me robaron el coche=5; se llevan los carros=4; se andan llevando=3;
        roban carros=5; robando carros=5; es robado=2.5; carro robado=5; moto robada=5;
        troca robada=5; camioneta robada=5; sin placas=2
    """,
    "drugs": """
        drug=3; drugs=3; drug dealer*=4; drug dealing=4; drug house=4; drug trafficking=6;
        drug traffickers=6; dealing=2.5; dealer*=3; selling=1; sells=1; sell=1; crack=2.5;
        coke=2.5; cocaine=3.5; cocain=3.5; cocaina=3.5; heroin=3.5; heroine=2.5; fentanyl=4;
        fentanil=4; fent=3.5; fetty=3.5; meth=3.5; molly=2.5; percs=3.5; perc=3; perc30*=4;
        percocet*=3.5; oxy=3; oxys=3; oxycontin=3.5; xanax=3; xans=3; bars=1; lean=1.5;
        weed=2.5; marijuana=2.5; marihuana=2.5; pills=2; pill=1.5; overdos*=3.5; od=2;
        oded=3; trap house=5; trap=2; trapping=3; trappin=3; needles=2; syringe*=2.5;
        narcan=3; baggies=3; bags=0.5; dope=2.5; smack=1.5; plug=2; re up=2.5;
        hand to hand=4; hand2hand=4; foot traffic=3; traffic in and out=3.5;
        in and out=2; cars pull up=2.5; pull up=1; short stays=3.5; stays for a minute=3;
        stay a few minutes=3; few minutes=1; corner boys=3; slinging=3; serving=1.5;
        grams=2.5; ounce*=2.5; kilo*=3.5; bricks=2; pounds=1; gas=0.5; smoking crack=4;
        crackhead*=3; fiends=2.5; junkie*=2.5; shooting up=3.5; high=1; zombies=1.5;
        droga=3.5; drogas=3.5; narcotic*=3; vende droga=5; venden droga=5; vende=1; venden=1;
        vendiendo=1; vendedor*=1.5; perico=3.5; coca=3; mota=3; yerba=2; hierba=1.5;
        cristal=3; hielo=1.5; piedra=2; tecata=3.5; heroina=3.5; chiva=3; fentanilo=4;
        pastilla*=2.5; punto de venta=4; punto de droga=4; narco*=3.5; tiradero=2;
        jeringa*=2.5; sobredosis=4; polvo=2; grapas=2.5; bolsitas=3; tiendita*=3;
        jibaro*=4; jibariando=4; caleta=2; nieve=1; moteros=3; marihuanos=2.5;
        entra y sale gente=3.5; entran y salen=3; sale y entra=3; drogadict*=3; adict*=2.5;
        fumando=1.5; se drogan=3.5; drogandose=3.5; drogando=3.5;
        oding=4; od ing=4; pushing pills=4; pushing=1.5; serving out=3; hand stuff=2;
        little bags=2.5; baggies=3; drug deals=4; selling dope=4; selling weed=4;
        selling coke=4; selling crack=4; pills and lean=4; shooting dope=4; nodding off=3;
        needles everywhere=3; plug=2; k2=3; spice=2; tusi=3.5; pink cocaine=4; vape pens=1;
        se inyecta=4; se inyectan=4; inyectandose=4; inyect*=2.5; jeringas tiradas=3;
        venden cocaina=5; venden marihuana=5; venden mota=5; venden perico=5; vende perico=5;
        vende mota=5; pastillas de=2; fentanilo=4; crico=3; crack=2.5; piedra=2; cripy=3;
        jibaros=4; bichote=3; punto=1; capsulas=2; dealer=3; narcomenudeo=5; la tiendita=3
    """,
    "gang": """
        gang=3.5; gangs=3.5; gang member*=4; gangbang*=4; gangster*=3; crew=1.5;
        ms 13=5; ms13=5; mara salvatrucha=5; 18th street=4; bloods=3.5; crips=3.5;
        latin kings=5; trinitarios=5; initiation=3; jumped in=3; jump in=2; recruit*=3;
        turf=3; beef=1.5; opps=3; opp=2.5; flagging=2.5; gang signs=5; throwing signs=3.5;
        colors=1.5; clique=3; clica=4; set trippin=3.5; block=0.5; hood=0.5; retaliation=2;
        tagging=1; tag=0.5; territory=2; their block=2; the block=1; rival=2.5;
        pandill*=4; marero*=4; mara=3; la mara=4; la 18=4; la 13=4; cholos=2.5; banda=1.5;
        territorio=2.5; reclut*=3; tatuaje*=1.5; cobran renta=4; cobran la renta=4;
        cobrar renta=4; cobran cuota=4; cuota=2; extorsion*=3.5; extorsionan=4;
        extorsionando=4; vacuna=1.5; derecho de piso=4; sicario*=3; carteles=2.5; cartel=2.5;
        the set=2; set=0.5; beefing=3; beefin=3; beef with=2.5; smoke with=1.5; opp block=4;
        shooting at opps=3; flashing signs=4; throwing up signs=4; gang related=4;
        gang tattoo*=4; jumped into=3.5; join a gang=5; join the gang=5; joining a gang=5;
        get in=0.5; initiation=3; recruiting=3; recruit kids=4; young boys=1.5; crew from=2.5;
        cathedral=0.5; la ms=4; los de la ms=5; mareros=4; la placa=2; su placa=1.5;
        cobra renta=4; cobra la renta=4; cobran piso=4; cobran derecho de piso=5;
        pintaron su placa=4; clicas=4; homies=1.5; los homies=2; barrio 18=5; la clika=4
    """,
    "fraud": """
        scam*=3.5; scamm*=3.5; fraud*=3.5; fake=1.5; identity theft=5; stole my identity=5;
        identity=2; credit card*=2.5; debit card*=2.5; card skimmer=4; skimmer*=4;
        gift card*=3.5; wire transfer=2.5; wire money=2.5; western union=2.5; zelle=2.5;
        cash app=2; cashapp=2; venmo=2; ponzi=4; pyramid=2; counterfeit=3; fake checks=4;
        check fraud=5; bad checks=4; bank account*=2.5; social security number=3;
        social security=2; ssn=3; irs=2.5; phishing=4; pretending to be=2.5; posing as=2.5;
        impersonat*=3; grandson=1; bail money=2.5; lottery=2.5; investment*=2; crypto=2.5;
        bitcoin=2.5; landlord=0.5; deposit=1.5; notario=4; unemployment=2; benefits=1.5;
        ebt=2; contractor=1.5; took my money=2.5; never did the work=3.5; never showed up=1.5;
        fake id*=3; forged=3; forgery=3.5; fake money=3.5; fake bills=3.5; elderly=1;
        estafa*=4; fraude*=4; enganaron=3; engano=2.5; enganando=3; tarjeta=1.5;
        tarjeta de credito=3; tarjetas de credito=3; cuenta de banco=3; cuenta bancaria=3;
        falso=1.5; falsa=1.5; falsos=1.5; falsas=1.5; identidad=2.5; robo de identidad=5;
        cheques=2.5; cheque=2; me cobraron=2.5; papeles falsos=3.5; documentos falsos=4;
        seguro social=3; se hizo pasar=3.5; se hace pasar=3.5; se hacen pasar=3.5;
        le saco dinero=3; dinero=0.5; transferencia=2; billetes falsos=4; inversion=2;
        me pidio dinero=2.5; nos pidio dinero=2.5; deposito=1.5;
        cooks the books=4; cooking the books=4; fake patients=3.5; bills medicaid=4;
        medicaid fraud=5; medicare fraud=5; insurance fraud=5; medicaid=2; medicare=2;
        fake listing=4; listing is fake=4; rental scam=5; took my rent=3; took my deposit=3;
        blocked me=1.5; never came back=1.5; took a deposit=3; deposit from=2;
        gift cards=3.5; fake charity=4; fake cop=2; grandparent scam=5; in jail and needed=3;
        needed bail=3; romance scam=5; catfish*=3; crypto scam=5; stole my identity=5;
        opened cards in my name=5; in my name=2.5; a mi nombre=3; a nombre mio=3;
        papeles de inmigracion=2.5; cobra miles=2; mensaje del banco=3; banco falso=4;
        me sacaron todo el dinero=4; me sacaron el dinero=4; me vacearon la cuenta=4;
        vaciaron mi cuenta=4; vaciaron la cuenta=4; tarjetas de credito a mi nombre=5
    """,
    "vandalism": """
        vandal*=4; graffiti=4; grafitti=4; grafiti=4; graffitti=4; spray paint*=4;
        spraypaint*=4; tagged=3; tagging=2.5; keyed=4; slashed=3; slashed my tires=5;
        tires=1.5; smashed=2.5; broke my window=3; broken windows=2; damaged=2.5;
        damage=1.5; destroyed=2; destroying=2; egged=3; knocked over=2; mailbox=2;
        windshield=2; carved=2; scratched=2; busted out=2.5; threw a rock=3; threw rocks=3;
        grafiti*=4; pintaron=3; pintas=3; pintadas=3; rayaron=3; rayado=2; rayones=2;
        ponchar*=3.5; poncharon=4; llantas=1.5; rompieron=2; quebraron=2; danaron=3;
        dano=1.5; danos=1.5; destroz*=3; vidrio*=2; vandalismo=4; a pedradas=3; piedras=1.5;
        tumbaron=1.5;
        smashing=2.5; smash*=2.5; bus shelter=1.5; broke the windows=3; breaking windows=3;
        threw a brick=3.5; spray painted=4; tagging the=3; tagged the=3; keyed my car=5;
        slashed my tires=5; flattened my tires=4; let the air out=3; scratched my car=4;
        dented=2; kicked in my mirror=3; broke my mirror=3; broke off=2; ripped out=2;
        pintarrajearon=4; quebraron los vidrios=4; rompieron los vidrios=4;
        rompieron el parabrisas=4; parabrisas=2.5; espejos=2; le rayaron=3.5; rayaron el carro=4;
        le poncharon las llantas=5; ponchadas=1.5; danaron mi carro=4
    """,
    "arson": """
        arson=5; arsonist=5; set fire=4.5; set on fire=4.5; set a fire=4.5; set it on fire=5;
        set the fire=4.5; lit on fire=4.5; lit a fire=3.5; started a fire=4; starting fires=4;
        fire=2; fires=2; torched=4; burned=2.5; burnt=2.5; burning=2; burn down=4;
        burned down=4; gasoline=3; gas can=3.5; lighter fluid=3.5; molotov=5; fire bomb*=5;
        firebomb*=5; flames=2; smoke=1; on fire=3; lighter=1; dumpster fire=3;
        incendi*=4; prendieron fuego=5; prendio fuego=5; le prendieron fuego=5;
        prender fuego=4.5; fuego=2.5; quemaron=3.5; quemar=2.5; quemo=2.5; quemando=3;
        gasolina=3; humo=1; llamas=2.5; molotov=5; encendedor=1; cerillos=2; pouring gas=4; poured
        gas=4;
        pouring gasoline=4; poured gasoline=4; lighting=2; echando gasolina=4; echo gasolina=4;
        lit the=2; lit it=3; lit them=3; lit the trash=4; lit on purpose=4; on purpose=1.5;
        car fire=3.5; house fire=3; fire was set=5; was set on fire=5; set by=2;
        burned down=4; burned my=3.5; burn it down=4; torch it=3.5; prendieron=2.5;
        le prendio fuego=5; le prendieron=3.5; le pegaron fuego=5; pegaron fuego=5;
        quemaron el carro=5; quemaron la casa=5; incendiaron=5; incendio provocado=6
    """,
    "fugitive": """
        warrant*=4; wanted=2.5; fugitive=5; on the run=4; hiding out=3.5; hiding=2;
        hides=2; escaped=3; skipped bail=5; jumped bail=5; bail=1.5; parole=2.5;
        probation=2; ankle monitor=3.5; ankle bracelet=3.5; most wanted=5; on the news=1.5;
        wanted poster=4; absconded=4; wanted for=4; is wanted=4; has a warrant=5;
        open warrant*=5; escapee=5; broke out of=3; in your system=1.5; staying with=1.5;
        orden de arresto=5; orden de captura=5; orden de aprehension=5; buscado=3.5;
        buscada=3.5; lo buscan=3; la buscan=3; lo andan buscando=3.5; profug*=5;
        fugitivo=5; se escapo=2.5; escondido=3; escondida=3; esconde=2.5; escondiendo=3;
        se esconde=3; libertad condicional=3; brazalete=3; grillete=3.5; fianza=2;
        se fugo=3.5; esta escondido=4; lo esta escondiendo=4; en las noticias=1.5;
        salio en las noticias=2; lo deportaron y regreso=2;
        wanted poster=4; wanted for=4; on the wanted=4; hiding at=3.5; is hiding at=4;
        staying at his=1.5; staying at her=1.5; under another name=3.5; fake name=2.5;
        warrants out=5; warrants=4; skipped court=4; missed court=2.5; escaped from=4;
        que buscan por=4; lo buscan por=5; buscan por=3.5; se escapo de la carcel=5;
        se escapo de la prision=5; se fugo de=4; esta profugo=5; anda profugo=5;
        se esconde en=4; escondido en=3.5; orden de arresto=5; tiene orden=3
    """,
    "missing_person": """
        missing=3.5; disappeared=3.5; ran away=3.5; runaway=3.5; run away=2;
        hasnt come home=4; hasnt been home=4; has not come home=4; has not been home=4;
        havent heard from=3.5; have not heard from=3.5; not heard from=3; last seen=4.5;
        no one has seen=3; nobody has seen=3; not answering=2; cant find=2.5;
        can not find=2.5; amber alert=5; silver alert=5; wandered off=4; wandered=2;
        dementia=2.5; alzheimer*=2.5; didnt come home=4; did not come home=4;
        never came home=4; never made it home=4; whereabouts=3; hasnt shown up=3;
        phone is off=2; phone goes straight to voicemail=3; not returned=2;
        desaparecid*=5; desaparecio=5; no ha regresado=4; no regreso=3.5; no volvio=3.5;
        no ha vuelto=4; se fue de la casa=3.5; se escapo de la casa=4; no sabemos nada de=4;
        no sabemos nada=3.5; no contesta=2.5; ultima vez=3.5; por ultima vez=3.5;
        extraviad*=4; perdid*=1.5; no aparece=4; no lo encontramos=3; no la encontramos=3;
        no lo encuentran=3; no la encuentran=3; no ha llegado=3; nadie la ha visto=4;
        nadie lo ha visto=4; se perdio=3; kidnapped=4; kidnap*=4;
        abducted=4; was taken=3; just taken=3; taken=1.5; secuestr*=4; se llevaron a mi hija=5;
        se llevaron a mi hijo=5; se llevaron a=2.5; a la fuerza=2; se la llevaron=3;
        se lo llevaron=3; hasnt come back=4; has not come back=4; memory problems=2;
        didnt come home=4; hasnt come home=4; isnt answering=2; not picking up=2;
        no one knows where=3; nobody knows where=3; went missing=5; gone missing=5;
        left with a guy=2; left with a man=2; runaway girl=4; runaway boy=4; group home=2;
        ran off=2.5; se fue con=2; no sabemos donde=3.5; no sabemos nada de ella=5;
        no sabemos nada de el=5; se desaparecio=5; lo vieron por ultima vez=5;
        la vieron por ultima vez=5; no ha aparecido=4; no aparece=4; se salio de la casa=3;
        salio de la casa=1.5; se perdio=3; buscando a mi=3
    """,
    "threat": """
        threat=3; threats=3.5; threaten*=3.5; threatning=3.5; threating=3; threatened=3.5;
        bomb threat=5; bomb=2.5; hit list=4; kill list=4; shoot up=3.5; shoot it up=3.5;
        gonna kill=3; going to kill=3; will kill=3; kill me=2; kill you=2; kill us=2;
        kill everyone=3.5; said he would=1.5; said hed=1.5; warned=1; scared for my life=3;
        intimidat*=2.5; stalking=2.5; stalker=2.5; following me=2; knows where i live=3;
        amenaz*=3.5; amenazas=3.5; amenazo=3.5; amenazandome=4; me va a matar=4;
        va a matar=3; te voy a matar=4; los va a matar=3; lo va a matar=3; me quiere matar=3;
        quiere matar=2.5; amenaza de bomba=5; amenazas de bomba=5; bomba=2.5;
        dijo que iba a=1.5; sabe donde vivo=3; me sigue=2; me persigue=2.5; me acosa=2;
        intimidar*=2.5; miedo=1;
        said he would shoot=4; says he will=2; said hed kill=4; said he would kill=4;
        threatened to=3.5; threatening to=3.5; gonna shoot=3; going to shoot=3;
        shoot up the school=5; bringing a gun to=3; bring a gun to=3; school shooting=3;
        columbine=4; uvalde=4; hit list=4; death threat*=5; left a note=2; note on my=2;
        if i dont=1; watch your back=3.5; youre dead=4; your dead=3; im going to get you=3;
        me dijo que si=2; me va a=1.5; me van a=1.5; si no me voy=2.5; te voy a=2;
        lo mismo que paso en=3; amenaza de muerte=5; amenazas de muerte=5;
        me las vas a pagar=4; me la va a pagar=3; cuidate=2; te vamos a=3;
        va a hacer lo mismo=3; hacer una masacre=5; masacre=3
    """,
    "other": """
        found a wallet=4; found a phone=4; found a purse=4; lost and found=4; lost dog=4;
        lost cat=4; copy of the report=4; police report=1.5; community meeting=4;
        volunteer=3; citizen police academy=4; how do i=1; how can i=1; who do i=1;
        property back=3; evidence room=3; power lines=3; tree fell=3; records request=4;
        encontre una cartera=4; encontre un celular=4; perro perdido=4; gato perdido=4;
        copia del reporte=4; el reporte de mi caso=4; reunion de la comunidad=4;
        voluntario=3; ser voluntario=4; carta de la policia=3; como la pido=1.5;
        donde puedo=1; a donde la llevo=2; a donde lo llevo=2;
        drop it off=3; where can i=1.5; where do i=1.5; is the tip line=3; tip line=1.5;
        anonymous=1; is this anonymous=3; perdi mis=3; perdi mi=2.5; mis llaves=2;
        lost my=2; las entrego=2; alguien las entrego=3; academia de policia=3;
        police academy=3; aplicar para=2; apply to=1.5; how to apply=3; fender bender=3;
        reunion con=2; a que hora=2; what time=2; license application=3
    """,
    "traffic": """
        speeding=3.5; speed=2; speeds=2.5; speeders=3.5; drunk driv*=5; drunk driving=5;
        driving drunk=5; dui=4; oui=4; hit and run=5; ran the red=3.5; red light*=3;
        run red lights=4; stop sign*=3; drag racing=4; drag race*=4; street racing=4;
        racing=2.5; race=1.5; donuts=3; doing donuts=4; reckless driv*=4; reckless=2;
        driving=1.5; drive=1; drives=1.5; driver*=1.5; crosswalk=2.5; school bus=2;
        double parked=3; double parking=3; parked=1.5; parking=2; park=0.5; swerving=3.5;
        crash*=2; accident=2.5; ran over=2.5; run over=2; atv*=1.5; wheelie*=2.5;
        mph=3; intersection=1; highway=1.5; traffic=2.5; tailgating=3; honking=1;
        blocking the driveway=3.5; blocking my driveway=3.5; driveway=1.5; plate=1;
        license plate*=1.5; hydrant=2.5; ticket=1; tickets=1; sidewalk=1; lane=1.5;
        wrong way=3; cars=0.5; car=0.5; trucks=1; truck=0.5; motorcycles=1; dirt bike*=1.5;
        manej*=2.5; conduciendo=2; conduce=2; conductor*=2; borracho=1; exceso de velocidad=5;
        velocidad=3; carreras=3; arrancones=4; se paso el rojo=4; se pasan el rojo=4;
        semaforo=2.5; atropell*=3.5; choco=2.5; choque=2.5; choco y se fue=5;
        se dio a la fuga=3; estacionad*=2.5; estacionan=2.5; estacionamiento=1.5; trafico=2;
        a toda velocidad=4; rapidisimo=2; como locos=1; placa=1; cochera=1.5; banqueta=1;
        bloquean=1.5; bloqueando=1.5; calle=0.3; zona escolar=2.5; camiones=1; motos=1;
        carros=0.7; carro=0.5;
        runs red lights=4; running red lights=4; ran a red=3.5; blew the light=3.5;
        blowing stop signs=4; kept going=2; didnt stop=2; drove off=2; took off=1;
        box truck hit=3; hit a cyclist=4; hit a pedestrian=4; hit a kid=3; hit my car=3;
        caballitos=3.5; haciendo caballitos=4; cuatrimotos=2.5; motos de cuatro ruedas=3;
        no respetan=2; se pasan los altos=4; se paso el alto=4; atropellaron=4;
        chocaron=3; choco mi carro=4; manejando=2; maneja rapido=4; van rapido=3
    """,
    "quality_of_life": """
        noise=3; noisy=3; loud=2.5; loud music=4; party=2; parties=2; partying=2.5;
        fireworks=3; loitering=4; loiter=3.5; hanging out=2; hang out=2; hangs out=2;
        drinking=2; public drinking=4; drinking in public=4; urinating=3.5; peeing=3.5;
        pissing=3.5; trash=2.5; garbage=2.5; litter*=2.5; dumping=3; illegal dumping=5;
        dumped=2; abandoned=2; squatter*=3; squatting=3; homeless=2; encampment=3;
        tents=1.5; tent=1; panhandl*=3.5; rats=2.5; rodents=2.5; barking=3; dogs=1;
        dog=0.5; nuisance=3; all night=2; every night=1; every weekend=1.5; blasting music=4;
        blasting=1.5; music=2; bass=2; speakers=2; neighbors=1; neighbor=0.5;
        smoking=1; car alarm*=2.5; mattress*=2; couch=1.5; pothole*=3; streetlight*=3;
        street light*=2.5; abandoned car=3; abandoned house=3; vacant=2; sleeping in=1.5;
        yelling=1; screaming at night=2; 3am=1.5; 2am=1.5; 3 am=1.5; 2 am=1.5; dice=1.5;
        gambling=2.5; sketchy=1; teenagers=1; teens=1; hanging around=2; bottles=1.5;
        ruido=3.5; ruidoso*=3; musica=2.5; musica alta=4; fiesta*=2; borrachos=2.5;
        tomando=2; chupando=2; basura=3; orinando=4; miando=4; meando=4; cohetes=3;
        fuegos artificiales=3.5; vagos=2.5; vagancia=3; abandonad*=1.5; ratas=2.5;
        perros=1; ladrando=3; escandalo=2.5; gritos=1; toda la noche=2; desamparados=2;
        indigentes=2; pordiosero*=2.5; campamento=2; tirando basura=4; tiran basura=4;
        bocina*=2; bocinas=2; parranda=2.5; cerveza*=1.5; apuestas=2; dados=1.5;
        madrugada=1; molestia=2; molestan=1.5;
        drinking in the street=4; drinking outside=3; beer cans=2.5; open container=3;
        peeing in=3.5; throwing trash=3.5; mattresses=2.5; dumping tires=4; old tires=2;
        empty lot=1.5; loud parties=4; music all night=4; hasta las=1; a todo volumen=4;
        musica a todo volumen=5; ponen musica=3; tomando cerveza=3.5; tomando en la calle=4;
        les gritan cosas=1.5; orinan=3.5; tiran basura=4; colchones=2.5; llantas viejas=2;
        carro abandonado=4; auto abandonado=4; lleva meses=1.5; lleva semanas=1.5;
        jodedera=3; bulla=3; perreo=2; bocina a todo=4; fumando mota en=1
    """,
    "officer_conduct": """
        officer=1.5; officers=1.5; cop=1.5; cops=1.5; policeman=2;
        policewoman=2; sergeant=2; sgt=2; lieutenant=2; badge=3; badge number=5;
        cruiser=2; patrol car=2; rude=2.5; disrespectful=2.5; excessive force=5;
        brutality=5; police brutality=6; profiling=3.5; racial profiling=5; complaint=2.5;
        commend*=4; thank=2; thanks=2; thankful=2.5; grateful=3; helpful=2.5;
        professional=2.5; unprofessional=4; bodycam=3.5; body cam*=3.5; body camera*=3.5;
        internal affairs=5; on duty=3; off duty=3; in uniform=3; uniform=1.5;
        pulled me over=2; pulled over=1.5; traffic stop=2.5; stop and frisk=4; frisked=3;
        searched me=3; slammed=1.5; cursed at me=2.5; bribe*=3; corrupt=3; dirty cop*=5;
        shout out=3; shoutout=3; above and beyond=4; kudos=4; compassion*=2; kind=1;
        abuse of power=4; misconduct=3.5; harassed me=2; harassing me=2; detective=1;
        911 dispatcher=3; dispatcher=2; called 911 and=1.5; nobody came=2.5; never came=1.5;
        took forever=2; response time=2.5;
        oficial=1.5; oficiales=1.5; policia=0.5; patrulla=2; patrullero*=2; grosero=3;
        grosera=3; groseros=3; abuso de autoridad=5; abuso policial=5; brutalidad=5;
        brutalidad policial=6; queja=3; mordida=3; soborno*=3.5; agradecer=3; agradezco=3;
        gracias=1.5; felicitar=4; felicito=4; amable=2.5; amables=2.5; me trato mal=3;
        nos trato mal=3; uniformado=2.5; agente=1.5; agentes=1.5; perfil racial=5;
        discrimin*=2.5; corrupt*=3; le pego el policia=4; numero de placa=3;
        placa numero=3; nunca llegaron=3; nadie vino=2.5; nos ayudo=2; nos ayudaron=2;
        me ayudo=2; me ayudaron=2;
        called my son a=3; slammed him on=3; slammed me on=3; for no reason=1.5;
        refused to take my report=4; refused to take=3; wouldnt take my report=4;
        laughed at me=2; pass along my thanks=4; pass along=1.5; patient and kind=3;
        so patient=2; please thank=3; asked for money=2; bike unit=2; district station=1.5;
        sin orden=3; sin orden judicial=4; without a warrant=3.5; no warrant=2.5;
        le pidio dinero=2; pidio dinero para=3; para no ponerle la multa=4; la multa=2;
        multa=1.5; ayudo a mi=2; que ayudo=1.5; la oficial=2; el oficial=2
    """,
}

# Concepts used by combination rules and by urgency. Weight is unused for concepts.
CONCEPT_TERMS: dict[str, str] = {
    "partner": """
        my husband; her husband; my wife; his wife; my boyfriend; her boyfriend;
        my girlfriend; his girlfriend; my ex; her ex; his ex; ex boyfriend; ex girlfriend;
        ex husband; ex wife; baby daddy; baby dad; baby mother; baby mama; babymama;
        baby momma; my partner; her partner; his partner; spouse; fiance; my man;
        mi esposo; mi marido; mi pareja; mi ex; su ex; mi exesposo; mi ex esposo;
        mi ex novio; su esposo; su marido; su esposa; su mujer; mi novio; su novio;
        su novia; su pareja; el papa de mis hijos; el papa de mi hijo; mi viejo; su viejo;
        su senora; mi senora; el marido; el esposo; el novio; mi chavo; mi companero;
        ex; exnovio; exnovia; exesposo; exesposa; ex novio; ex novia; ex esposo;
        husband; wife; boyfriend; girlfriend; esposo; esposa; marido; novio; novia; pareja;
        babys father; kids father; father of my kids; mother of his kids
    """,
    "child": """
        kid; kids; child; children; baby; babies; toddler; infant; newborn; my son;
        her son; his son; my daughter; her daughter; his daughter; stepdaughter; stepson;
        niece; nephew; little boy; little girl; little girls; little boys; minor; minors;
        underage; 5 year old; 6 year old; 7 year old; 8 year old; 9 year old; 10 year old;
        12 year old; 13 year old; 14 year old; 3 year old; 4 year old; 2 year old; year old;
        grandkids; students; student; her kids; his kids; the kids;
        nino; nina; ninos; ninas; bebe; bebes; menor; menores; menor de edad; hijo; hija;
        hijos; hijas; sus hijos; mis hijos; mi hijo; mi hija; hijastro; hijastra; sobrino;
        sobrina; chamaco; chamacos; chamaca; criatura; criaturas; nene; nena; nenes;
        chiquito; chiquita; chiquitos; escuincle; escuincles; alumnos; estudiantes;
        anos de edad; ano de edad
    """,
    "violence": """
        hits; hit; hitting; beats; beat; beating; punched; punches; punching; kicks;
        kicked; slaps; slapped; choked; chokes; chokes her; strangled; pushed; shoved;
        threw her; threw him; dragged; burned; bruises; bruised; black eye; whoops;
        abuses; abused; abusing; hurts; hurting; hurt; attacked; le pega; les pega;
        me pega; la golpea; lo golpea; los golpea; golpea; golpeo; golpeando; golpes;
        le pego; la golpeo; me golpeo; empujo; la empujo; jalo; la jalo del pelo; ahorco;
        la ahorco; la quiere ahorcar; la cacheteo; cachetadas; maltrata; maltrato;
        quemo; la lastimo; lastima; moretones; chingadazos; madrazos; patadas; pegando;
        pushing; pushing her; shoving; pushes; empuja; empujando;
        slamming; slammed her; slams her; broke my arm; broke her arm; broke my nose;
        broke her nose; busted her lip; me rompio; le rompio; golpeaba; me golpeaba;
        la golpeaba; pegaba; me pegaba; le pegaba; me pego; le pego; le quema; la quema;
        lo quema; burns him; burns her; whipped; whips; cord; extension cord; belt;
        con el cinturon; con la chancla; con el cable; como castigo; as punishment;
        marks on; marcas; quemaduras; burn marks
    """,
    "neglect": """
        alone; left alone; home alone; no food; starving; hungry; dirty; filthy; locked;
        no heat; unsupervised; neglected; neglect; not fed; solos; solitos; solas; sin comer;
        solo; sola; solito; solita; hambre; sucios; descuidados; abandonados; encerrados; sin
        calefaccion
    """,
    "sexual": """
        touched; touching; touches; molested; molesting; sexual; sexually; naked; nudes;
        pictures; private parts; toco; tocaba; toca; manosea; manoseo; desnudo; desnuda;
        fotos; sexual; abuso sexual; violo; viola; violacion
    """,
    "steal": """
        stole; stolen; steal; stealing; took; jacked; swiped; gone; robbed; got taken;
        been taken; taken from; snatched; lifted;
        robaron; robado; robada; robo; roban; robando; se robaron; se llevaron; se llevo;
        se la llevaron; desaparecio
    """,
    "vehicle": """
        car; cars; truck; trucks; van; suv; jeep; vehicle; vehicles; motorcycle; moped;
        scooter; dirt bike; honda; toyota; nissan; kia; hyundai; civic; accord; camry;
        altima; my ride; whip; corolla; sentra; charger; mustang; silverado; f150; ram;
        pickup; motorbike; motorcycles; yamaha; bmw; audi; lexus; acura; subaru; tesla;
        carro; carros; coche; auto; camioneta; troca; vehiculo; moto; motocicleta
    """,
    "premises": """
        house; home; apartment; apt; condo; garage; shed; basement; store; shop; office;
        window; door; back door; unit; place; building; basement; storage;
        casa; apartamento; departamento; depa; tienda; negocio; ventana; puerta; cochera;
        bodega; local; oficina; cuarto; edificio; sotano
    """,
    "breakin": """
        broke in; broke into; break in; breaking in; breaking into; got in; got into;
        entered; climbed in; forced; kicked in; pried;
        entraron; entro; se metieron; se metio; forzaron; rompieron; brincaron
    """,
    "drugsale": """
        selling; sells; sell; sale; dealing; deals; serving; vende; venden; vendiendo;
        venta; moving
    """,
    "drugword": """
        drugs; drug; crack; coke; cocaine; heroin; fentanyl; fent; meth; weed; pills; percs;
        dope; droga; drogas; perico; coca; mota; cristal; chiva; pastillas; fentanilo;
        heroina; cocaina; marihuana
    """,
    "weaponword": """
        his ar; an ar; ar15; ar 15; chopper; his chopper;
        gun; guns; firearm; firearms; pistol; pistols; handgun; rifle; rifles; strap; blicky;
        glock; ak; draco; choppa; shotgun; ammo; ghost gun; ghost guns; his dads gun;
        a gun; the gun; his gun; her gun; knife; knives; machete; bomb; explosives;
        pistola; pistolas; arma; armas; cuete; cuetes; fierro; fusil; escuadra; cuerno de chivo
    """,
    "officerword": """
        officer; officers; cop; cops; policeman; policewoman; sergeant; sgt; detective;
        police officer; the police; trooper; dispatcher; 911 dispatcher;
        oficial; oficiales; policia; policias; agente; agentes; patrullero; patrulla;
        el policia; los policias; la policia
    """,
    "misconduct": """
        rude; disrespectful; excessive force; brutality; profiling; slammed; cursed;
        bribe; bribes; corrupt; harassed; harassing; threatened; hit me; punched; beat;
        pushed; searched; frisked; laughed at; insulted; racist; called me; kicked;
        asked for money; wanted money; without a warrant; no warrant; for no reason;
        refused to take; wouldnt take; would not take; called my son; called him a;
        pidio dinero; le pidio dinero; me pidio dinero; sin orden; sin razon; sin motivo;
        no quiso tomar; se nego; rompieron mis cosas;
        grosero; grosera; groseros; me insulto; nos insulto; me empujo; me pego; nos pego;
        me golpeo; racista; corrupto; corruptos; mordida; soborno; me amenazo; se burlo;
        abuso
    """,
    "praise": """
        thank; thanks; thank you; grateful; helpful; professional; kind; kudos; commend;
        above and beyond; appreciate; great job; amazing; shout out; saved;
        gracias; agradecer; agradezco; amable; felicitar; excelente; buen trabajo; salvo;
        nos ayudo; me ayudo
    """,
    "threatword": """
        threatened; threatening; threatens; threat; threats; amenazo; amenaza; amenazando;
        amenazandome; amenazandola; amenazandonos;
        amenazas; me amenazo; nos amenazo
    """,
    "robverb": """
        robbing; robbed; rob; holding up; sticking up; held up; stuck up; mugging; robbery;
        asaltando; asaltaron; asaltar; asalto; atracaron; atracando; robando; me asaltaron
    """,
    "deathword": """
        to death; dead; died; killed; murdered; is dead; body;
        muerto; muerta; murio; mato; mataron; sin vida; fallecio
    """,
    "fireword": """
        fire; set fire; burn; burn down; gasoline; molotov; fuego; quemar; incendiar;
        gasolina
    """,
    "school": """
        school; schools; high school; middle school; the school; classroom; campus;
        elementary; academy; to class; at class; the bus stop;
        escuela; la escuela; colegio; secundaria; prepa; preparatoria
    """,
}

# Urgency cues. Each is a concept; the rules in urgency_rules.py combine them per sentence.
URGENCY_TERMS: dict[str, str] = {
    # Verbs of serious harm in a form that speaks of what will (or is about to) happen.
    "harm": """
        make them pay; make him pay; make her pay; pay for this; me las va a pagar;
        kill; kill me; kill her; kill him; kill us; kill them; kill you; kill my; murder me;
        shoot; shoot me; shoot up; shoot her; shoot him; shoot us; shoot them; stab; stab me;
        stab her; hurt me; hurt her; hurt him; hurt us; hurt them; hurt my; hurt someone;
        hurt somebody; beat me; beat her; burn us; burn me; burn the house; burn down the house;
        burn my house; burn down my house; blow up; bomb; light up; smoke him;
        pop him; pop her; blast; air out; air it out; do something bad; finish the job;
        finish me; end me; end her; come back for; shoot the place up; hurt the kids;
        hurt the baby; hurt herself; hurt himself; kill herself; kill himself;
        matar+; asesinar+; disparar+; balacear+; balear+; apunalar+; lastimar+; golpear+;
        quemarme; quemarnos; quemarlos; quemar la casa; quemar+; quemar la; quemar el;
        burn down; burn it down; burn the place; burn the store; burn the building;
        quemarnos vivos; hacer dano; hacerle dano;
        hacerme dano; acabar con; desaparecer+;
        echar bala; echarle bala; dar un tiro; darle un tiro; darme un tiro; partir la madre;
        partirle la madre; romper la madre; romperle la madre; quitarse la vida;
        volar la escuela; poner una bomba; sacar la pistola;
        handle me; handle you; handle us; get me; come for me; pull up on me; run up on me;
        take care of me; get at me; do me; smoke me; body me; catch me;
        run up on; pull up on them; pull up on the; settle the score;
        tirotear+; la van a volar; lo van a volar;
        se las cobran; se la cobran; cobrarselas; cobrarsela; ajustar cuentas; arreglar cuentas;
        se van a vengar; vengarse;
        tuer; me tuer; te tuer; matar; touye; touye m; tiye
    """,
    # Said or signalled intent about the future.
    "future": """
        going to; gonna; will; coming; finna; fixing to; about to; bout to; boutta; ima; imma;
        plans to; planning to; planning on; plan to; wants to; coming to; coming back;
        coming over; on his way; on her way; on their way; on the way; is coming;
        are coming; swore; promised; vowed;
        va a; van a; vamos a; voy a; vas a; viene a; vienen a; viene para; vienen para;
        va para; juro; dijo que iba a; diciendo que iba a; dice que iba a; dijo que iban a;
        iba a volver; van a volver; va a volver; volvera; regresara; va a regresar;
        dice que va a; ya viene; ya vienen; viene en camino; vienen en camino;
        vai; vao; va me; va te; va la; pral; pwal; ap vin
    """,
    # Softer intent: counts with harm words only.
    "want": """
        wants to; want to; trying to; tryna; threatening to; threatens to;
        quiere; quieren; piensa; piensan; planea; planean; amenaza con
    """,
    # Someday: intent with no near time.
    "someday": """
        one day; someday; some day; eventually; sooner or later; one of these days;
        un dia; algun dia; tarde o temprano; cualquier dia; uno de estos dias
    """,
    # Violence in progress when said with "now".
    "violent_ing": """
        stabbing; raping; violando; apuntando; pointing; waving; correteando; chasing;
        apunalando; metiendose; forzando; prendiendo fuego; kicking in; breaking into;
        strangling; choking;   swinging;
        beating; stomping; attacking; stabbing; shooting; hitting; punching; kicking;
        choking; fighting; robbing; breaking in; breaking into; pouring gas; pouring gasoline;
        jumping; hurting; dragging; chasing; holding up; sticking up;
        golpeando; pegando; apunalando; asaltando; disparando; peleando; metiendose;
        se estan agarrando; agarrandose; acuchillando; a cuchilladas; macheteando;
        robando; dando una golpiza; echando gasolina; atacando; persiguiendo; estan entrando;
        se estan metiendo; quieren entrar; entrando
    """,
    # Gunfire heard or seen: an emergency when it is happening now.
    "gunfire": """
        shots; gunshots; shots fired; shooting; gunfire; balacera; balazos; disparos; tiros;
        pops; heard pops; heard popping; popping; pow pow; bang bang; rounds; fired rounds;
        detonaciones; tronidos; tronaron; plomazos;
        plomazos; balacean
    """,
    # Now, here, still.
    "now": """
        hace dos minutos; hace cinco minutos; hace diez minutos; hace quince minutos;
        hace veinte minutos; hace media hora; two minutes ago; five minutes ago; ten minutes ago;
        half an hour ago; few minutes ago;
        orita; orita mismo; ahorrita; horita; ahoritita; ahorita mismo; rite now; rigth now;
        right nw; en este instante;
        right now; now; rn; currently; at the moment; at this moment; as we speak;
        still here; still there; in the house right now; happening;
        ahora; ahorita; ahora mismo; en este momento; en estos momentos; todavia esta;
        sigue aqui; en mi casa ahora;
        just now; just happened; just pulled; just pulled out; everybody running;
        everyone running; people running; people screaming; gente corriendo; todos corriendo;
        la gente esta corriendo; minutes ago; mins ago; min ago; a minute ago;
        hace # minutos; hace unos minutos; hace un minuto; hace un momento; hace un ratito;
        hace poquito; ahorita mismo; en vivo; going on right now; still going on;
        sigue pasando; esta pasando; estan pasando;
        maintenant; agora; kounye a; kounya
    """,
    # Here: someone at the tipster's door or home. Counts as "now" with a weapon or harm.
    "here": """
        still outside; right outside; outside my; outside our; at my door; at the door;
        in my house; in front of my house; banging on; trying to get in; is here; is outside;
        are outside; sigue afuera; afuera de mi; afuera de la casa; esta afuera; estan afuera;
        en mi puerta; en la puerta; tocando la puerta; quiere entrar; esta aqui; estan aqui
    """,
    # A near time: today or tomorrow, or an upcoming event.
    "soon": """
        on friday; on saturday; on sunday; on monday; on tuesday; on wednesday; on thursday;
        this friday; this saturday; this monday; next week; este viernes; este sabado;
        este lunes; el proximo; la proxima semana;
        tonight; tomorrow; tmrw; tmr; tomorow; tommorow; tommorrow; today; later today;
        this afternoon; this evening; this weekend; in an hour; in a few hours;
        after school; before school; first period; at lunch; at dismissal; at the game;
        at the party tonight; next hour;
        esta noche; manana; hoy; al rato; mas tarde; este fin de semana; en una hora;
        despues de la escuela; pasado manana; en la noche de hoy; hoy en la noche;
        ce soir; demain; hoje a noite; amanha; aswe a; demen
    """,
    # Not a near time: these words neutralise "manana" and "hoy" look-alikes.
    "morning": """
        esta manana; la manana; por la manana; de la manana; en la manana; hoy en la manana;
        manana de hoy
    """,
    # Someone armed or a weapon in sight.
    "armed": """
        armed; has a gun; have a gun; got a gun; with a gun; with guns; has guns; have guns;
        got guns; with a strap; waving it; showed me a gun; showing a gun; showed a gun;
        enseno una pistola; enseno el arma; with a knife;
        has a knife; waving a gun; waving a knife; pointing a gun; pointed a gun; pulled a gun;
        pulling out a gun; showing a gun; flashing a gun; pulled a pistol; pulled out a;
        pulled out his; pulled a strap; pulled a knife; pulled out a knife; pulled out a gun;
        waving a pistol; saco una; saco un; sacando una pistola; sacando un cuchillo; with a
        pistol; has a pistol;
        with a rifle; has a rifle; strapped; got a strap; has a strap; with a machete;
        armado; armada; armados; trae pistola; trae una pistola; trae un arma; tiene pistola;
        tiene una pistola; tiene un arma; con una pistola; con pistola; con un arma;
        con armas; con un cuchillo; con cuchillo; con navaja; con una navaja; con machete;
        con un machete; trae un cuchillo; tiene un cuchillo; saco una pistola;
        saco un cuchillo; saco el arma; anda armado; andan armados; con un cuete;
        trae cuete; con fierro;
        une arme; un pistolet; avec un couteau; com uma arma; gen zam; gen yon zam
    """,
    # Violence happening while the tipster writes.
    "ongoing": """
        agarrada del cuello; agarrado del cuello; no la suelta; no lo suelta;
        hear glass breaking; someone walking around in my; someone is inside my; someone inside my;
        hay alguien en mi casa; alguien adentro de mi casa; tratando de abrir la puerta;
        le esta quitando la ropa; le estan quitando la ropa; forcing himself on her;
        la esta violando; is raping her;
        tienen amarrado; tienen amarrada; lo tienen amarrado; la tienen amarrada;
        is raping; raping her; la esta violando; la estan violando; holding people; holding
        them; no deja salir; no dejan salir; wont let anyone leave; tiene a la gente; tienen
        a la gente;
        is shooting; are shooting; shooting right now; shooting now; shots right now;
        shots now; hearing shots; hear shots; i hear gunshots; shots being fired;
        is beating; are beating; beating her right now; is hitting her; is hitting me;
        is choking; is stabbing; are fighting with knives; is attacking; are attacking;
        being attacked; being beaten; breaking in right now; is breaking in;
        are breaking in; trying to break in; is on fire; house is on fire; is burning;
        are on fire; its on fire; building on fire; car on fire; house on fire;
        active shooter; someone is shooting; somebody is shooting; they are shooting;
        overdosing; not breathing; unconscious; is being held; being held;
        esta disparando; estan disparando; estan balaceando; esta balaceando;
        se oyen balazos; se escuchan disparos; se oyen disparos; escucho disparos;
        esta golpeando; le esta pegando; la esta golpeando; me esta pegando;
        me esta golpeando; estan golpeando; se estan peleando con; esta ahorcando;
        se esta quemando; esta en llamas; no respira; sobredosis ahora; esta inconsciente;
        la tienen encerrada;
        lo tienen encerrado; la tienen secuestrada
    """,
    # Calls for help.
    "help": """
        help me; help us; please help; send help; send someone; send police; send cops;
        send the police; need help; hurry; sos; 911;
        ayuda; ayudenme; auxilio; socorro; manden a alguien; manden policia;
        manden una patrulla; vengan rapido; vengan pronto; urgente; rapido
    """,
    # Someone held or taken.
    "held": """
        tienen amarrado; tienen amarrada;   holding people; tiene a la gente;
        kidnapped; kidnap; kidnapping; abducted; hostage; hostages; held against;
        locked in; locked up; tied up; chained; wont let her leave; wont let me leave;
        secuestr*; rehen; rehenes; encerrada; encerrado; amarrada; amarrado;
        no la deja salir; no me deja salir; a la fuerza; se lo llevaron; just taken; was taken;
    """,
    # Events in the past: they cancel a future-intent cue in the same sentence.
    "past": """
            ano pasado; mes pasado; semana pasada; in
        january; in february; in march; in april; in may; in june; in july; in august; in
        september; in october; in november; in december; en enero; en febrero; en marzo; en
        abril; en mayo; en junio; en julio; en agosto; en septiembre; en octubre; en
        noviembre; en diciembre; back when; for years; por anos; llevo anos; desde hace
        anos; hace un ano; hace dos anos;
        last year; last month; last week; last summer; last winter; years ago; months ago;
        weeks ago; a while ago; a while back; back in; in 2019; in 2020; in 2021; in 2022;
        in 2023; ago; used to; a long time ago; when i was;
        el ano pasado; el mes pasado; la semana pasada; el verano pasado; hace anos;
        hace meses; hace semanas; hace tiempo; hace mucho; en 2019; en 2020; en 2021;
        en 2022; en 2023; antes; solia; cuando era
    """,
    # Repeated, habitual: not a sign of this moment on its own.
    "habitual": """
        late at night; at night; en las noches; por las noches;
        always says; siempre dice; this week; esta semana; ya van; every
        friday; every saturday; todos los viernes;
        todas las mananas; every morning; for months; for years; desde hace meses;
        desde hace anos; sigue diciendo;
        every day; every night; every weekend; always; all the time; usually; every time;
        siempre; todos los dias; todas las noches; cada fin de semana; cada vez; seguido
    """,
    # Minutes ago is now: these phrases cancel the "past" cue their "ago" would give.
    "recent": """
        minutes ago; mins ago; min ago; a minute ago; a few minutes ago; seconds ago
    """,
    # Phrases that cancel a "now" cue inside them: reported talk or a state, not danger now.
    "not_now": """
        now he says; now she says; now they say; now he claims; now she claims; now he wants;
        now she wants; now lives; now he lives; now she lives; now works; now he works;
        until now; by now; for now; up to now; now that;
        ahora dice; ahora dicen; ahora quiere; ahora quieren; ahora vive; ahora viven;
        ahora trabaja; hasta ahora; por ahora; ahora que
    """,
    # Idioms that contain a harm verb without meaning harm.
    "idiom": """
        hitting licks; hit a lick; hitting a lick; hit licks;
        kill it; killing it; killed it; kill the game; killing the game; dying laughing;
        me va a matar si llego tarde; me mata de risa; matar el tiempo; kill time
    """,
    # Laughter and joke markers: a threat of harm said as a joke is not an emergency alone.
    "joke": """
        joking; jokes; joke; bromea; bromeando; broma; kidding;
        lol; lmao; lmfao; haha; hahaha; jaja; jajaja; jajajaja; jeje; jk; just kidding;
        es broma; de broma; xd
    """,
    # A state that still holds: "since yesterday", "no adults" (with a child left alone).
    "still": """
        since yesterday; since last night; since this morning; no adults; no adult;
        nobody home; no one home; nobody is home; no one is home; still alone;
        desde ayer; desde anoche; desde la manana; no hay adultos; no hay nadie;
        sin adultos; siguen solos; sigue solo; sigue sola
    """,
    # A child in immediate danger wherever they are.
    "child_danger": """
        encerrados en un carro; encerrado en un carro; encerrada en un carro; locked in a car;
        locked in the car; locked in a hot car;
        alone in a car; alone in the car; alone in a hot car; in a hot car; locked in a car;
        locked in the car; left in the car; left in a car; left in a hot car; hot car;
        solo en el carro; sola en el carro; solos en el carro; solito en el carro;
        encerrado en el carro; encerrada en el carro; dentro del carro solo;
        solo en el auto; sola en el auto; solo en el coche; en el carro con las ventanas
    """,
    # Driving drunk or dangerously: an emergency while it is happening.
    "impaired": """
        drunk driver; drunk driving; driving drunk; drunk behind the wheel; swerving;
        all over the road; wrong way; wrong way driver; going the wrong way;
        borracho manejando; manejando borracho; va manejando borracho; borracho va manejando;
        zigzag; en zigzag; en sentido contrario; contra el trafico; maneja borracho
    """,
    # An overdose in progress.
    "overdose": """
        oding; od ing; odeing; is overdosing; overdosing; turning blue; turned blue;
        lips are blue; unresponsive; not responding; wont wake up; will not wake up;
        having an overdose; esta sobredosis; tiene una sobredosis; se esta muriendo;
        no reacciona; no despierta; se puso morado; esta morado; se esta poniendo morado
    """,
    # Bringing something (a weapon) somewhere.
    "bring": """
        bring; brings; bringing; gonna bring; going to bring; will bring;
        llevar; llevara; va a llevar; traer; traera; va a traer; lleva; llevando
    """,
    # Recent past: a danger that just happened is still a danger ("acaban de", "just shot").
    "recent_mark": """
        just; just now; acaba de; acaban de; acabo de; acabamos de; recien; recientito;
        hace un rato; hace ratito; a few secs ago; a sec ago
    """,
    # The person or the danger is still there.
    "still_mark": """
        still has; still have; still got; still there; still here; still inside; still in;
        still outside; still standing; still around; still following; still on; still out;
        still chasing; still holding; still not; still in the;
        sigue ahi; sigue por ahi; sigue aqui; sigue con; sigue en; siguen en; sigue afuera;
        siguen afuera; sigue adentro; siguen adentro; todavia tiene; todavia esta;
        todavia estan; todavia anda;
    """,
    # A body in danger now: the words describe a present state.
    "medical": """
        foaming at the mouth; espuma por la boca; echando espuma; bleeding bad; bleeding badly;
        sangrando mucho;
        not breathing; barely breathing; breathing weird; cant breathe; can not breathe;
        not waking up; wont wake up; will not wake up; not moving; is not moving; unconscious;
        unresponsive; turning blue; turned blue; seizure; having a seizure; bleeding out;
        bleeding a lot; lying in the road; laying in the road;
        no respira; no esta respirando; casi no respira; respira raro; no despierta;
        no reacciona; inconsciente; esta morado; se puso morado; se esta poniendo morado;
        se desmayo; desmayada; desmayado; convulsionando; esta sangrando; sangrando mucho;
        se esta desangrando; esta atrapado; esta atrapada; tirado en el suelo;
        sigue en el suelo; no se mueve
    """,
    # Someone (a child, an elder) gone just now.
    "missing_now": """
        no lo encontramos; no la encontramos; no los encontramos; ran out the door; ran out of
        the house; se salio de la casa; se fue de la casa hace;
        can not find him; can not find her; can not find my; can not find them;
        cannot find; is gone; are gone; was gone; walked out; wandered off; wandered away;
        got out of the house; snatched my son; snatched my daughter;
        se perdio; se perdieron; no lo encuentro; no la encuentro; no los encuentro;
        no encuentro a; no aparece; se salio; se salio de; desaparecio; se la llevaron;
        se lo llevaron
    """,
    # People who cannot look after themselves when lost.
    "vulnerable": """
        elderly; dementia; alzheimers; alzheimer; autistic; autism; special needs; nonverbal;
        grandma; grandpa; grandmother; grandfather; old man; old lady; anciano; anciana;
        abuelo; abuela; abuelita; abuelito; demencia; autista; viejito; viejita
    """,
    # Alone, without an adult.
    "alone": """
        alone; by himself; by herself; by themselves; no parents; no adults; no adult;
        nobody with; no one with; no parent;
        solo; sola; solos; solas; solito; solita; solitos; sin adultos; ningun adulto;
        sin nadie; sin sus papas
    """,
    # Inside a vehicle (a child there may be dying of heat).
    "in_vehicle": """
        in a car; in the car; in his car; in her car; in a truck; in a van; in a suv;
        locked in a; windows up; in the back seat; in a hot; honda; toyota; minivan;
        en el carro; en un carro; en una camioneta; en la camioneta; en el coche; en el auto;
        en un auto; en la troca; ventanas cerradas; ventanas arriba; con un calor
    """,
    # A road with traffic.
    "road": """
        in the road; in the street; on the highway; on the road; middle of the road;
        in traffic; en la carretera; en la calle; en la autopista; en medio de la calle;
        en la avenida
    """,
    # Taking someone by force.
    "abduct": """
        forcing a woman into; forcing a girl into; forcing her into the;
        metieron a una muchacha a la
        fuerza; la metieron a la fuerza;
        pull a girl into; pull her into; pull him into; pull a kid into; pulling her into;
        trying to pull; trying to grab; grabbing a; grabbed a kid; grabbed a girl;
        dragging her into; dragging him into; forced her into; forcing her into;
        meter+ a su carro; meter+ al carro; meter+ a la camioneta; subir+ a su carro;
        jalar+ al carro; se la quiere llevar; se lo quiere llevar; la metieron a; lo metieron a
    """,
    # Drunk or high; with driving words it is a drunk driver.
    "drunk": """
        drunk; wasted; hammered; smashed; tipsy; high as; borracho; borracha; tomado;
        tomada; bien pedo; pasado de copas; drogado; drogada
    """,
    "driving": """
        drove; drove off; drive off; se fue manejando;
        driving; driver; drives; behind the wheel; the car; his car; her car; a car;
        took the car; manejando; maneja; manejar; conductor; chofer; al volante; el carro;
        su carro; la camioneta; se llevo el carro; llevar el carro
    """,
    # Coming toward the tipster: as near a time as "tonight".
    "coming": """
        coming back; come back; iba a volver; va a volver; van a volver; volvera; va a regresar;
        on his way; on her way; on their way; on the way here; coming here; coming over;
        coming back tonight; headed here; heading here; heading over; pulling up;
        va a venir; viene para aca; viene en camino; vienen en camino; ya viene; ya vienen;
        viene para aca; va para alla; viene a; vienen a; en camino
    """,
    # Running from the scene: a danger still about when the crime was just now or armed.
    "fleeing": """
        ran toward; ran towards; ran to; took off; ran off; ran away; running toward;
        se fue corriendo; va corriendo; van corriendo; salio corriendo; se fue hacia;
        se fueron hacia; corrio hacia; huyo; se escapo; hiding in; hiding behind;
        se esconde en; esta escondido
    """,
    # What sets a fire or a bomb: intent with it in hand is imminent.
    "fuel": """
        gasoline; gas can; lighter fluid; molotov; gasolina; galon de gasolina; bomb;
        bomba; explosives; explosivos
    """,
    # Weather, not time: "hace calor" is not "hace mucho" (long ago).
    "weather": """
        hace mucho calor; hace calor; hace mucho frio; hace frio; hace un calor
    """,
    # A body's state told in the past: it was, it may be over.
    "was_state": """
        was bleeding; were bleeding; was not breathing; was unconscious; was unresponsive;
        estaba sangrando; estaba inconsciente; no respiraba; estaba morado
    """,
    # "Sí" said with its accent lost: yes, not "if".
    "yes_si": """
        ahora si; ya si; eso si; claro que si; si si; que si; pues si
    """,
    # Earlier today or last night: violence this fresh makes a threat imminent.
    "lately": """
        last night; yesterday; earlier today; today; this morning; tonight;
        anoche; ayer; hoy; esta manana; hace rato; hace un rato
    """,
    # Fiction, news, lyrics, rumours: talk about violence, not violence.
    "media": """
        true crime; tv show; a show; documentary; serie; documental;
        song; lyrics; rap; movie; film; filming; video game; videogame; fake; on the news;
        the news; news; on tv; the radio; fireworks; firecrackers; rumor; rumors; rumour;
        going around; supposedly;
        cancion; letra; pelicula; videojuego; noticias; en la radio; en la tele; cohetes;
        cuetes de; chisme; rumor; supuestamente; puras habladurias
    """,
    # Conditions and questions: no danger is told, only a case.
    "conditional": """
        if they; if he; if she; if i; if you; if someone; if anyone; if it; if my; if we;
        if they ever; unless; would; wouldnt; is that legal; is it legal; is that allowed;
        si lo; si la; si le; si me; si no; si alguien; si vuelven; si lo vuelven; a menos que;
        es legal; eso es legal
    """,
    # Somebody was caught, or released long after: the danger is over.
    "caught": """
        arrested; got arrested; in custody; caught him; caught them; got out of prison;
        got out of jail; arrestaron; lo arrestaron; detuvieron; lo agarraron; salio de la carcel
    """,
    "negator": """
        no; not; never; nobody; none; no one; noone; without; nothing; nunca; nadie; ni;
        sin; tampoco; ningun; ninguna; nada; dont; doesnt; didnt; isnt; wasnt; arent;
        werent; wont; havent; hasnt
    """,
}

# Categories whose tips are serious violent crime: urgency "high" when not an emergency.
HIGH_URGENCY_CATEGORIES: frozenset[str] = frozenset(
    {"homicide", "shooting", "sexual_assault", "child_abuse", "human_trafficking", "arson"}
)

# Stop words by language, accent-folded, for rough language detection.
STOPWORDS: dict[str, str] = {
    "en": """the and is are was were he she they it this that there have has with for of
        my his her their at on in to from not but what who when where someone somebody
        i you we been be will would can just about people house street near him them our
        your out because every night day""",
    "es": """el la los las que de y en es son esta estan un una unos mi mis su sus con por
        para pero no se le lo muy hay tiene donde cuando porque casa calle cerca todos
        todas noche dia gente ese esa este ellos ella del al como ya tambien anda
        vecino vecina senor senora hombre mujer a""",
    "fr": """les est et il elle je une des du dans pas mon mes qui avec sur ce cette sont
        ont fait tres nous vous ils au aux chez maison rue voisin homme femme depuis mais
        pour suis avait quelquun jai cest quil nest dun dune lui""",
    "pt": """um uma nao voce ele ela com meu minha seu sua isso essa esse muito estao tem
        rua vizinho homem mulher pra foi noite tambem agora ontem em os do da dos das ao
        na nas pelo pela""",
    "ht": """mwen li pa nan ap yo ki gen sou lakay moun ou pou kay fe vin konn bay yon nou
        genyen kote isit kounye kounya vwazen neg fanm""",
    "it": """il che di non mio suo sua per ma sono della nella questo questa strada uomo
        donna molto anche gli ho perche""",
}
