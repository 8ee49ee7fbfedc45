/// The acts the reviewer checks rest on, worded once so every rule cites them the same way
/// (`plansync plan check --explain CODE`, README's table). Articles are those the county councils'
/// own avize and the UATs' HCLs cite.
enum Law {
    /// What the plan must hold and that it goes to the county before the council approves it.
    static let planContent = "Legea 292/2011 a asistenței sociale, art. 118 alin. (3); HG 797/2017, Anexa 3 art. 3 alin. (2) lit. b) și art. 5 alin. (5) (comune), Anexa 2 (orașe, municipii): planul cuprinde beneficiarii, serviciile existente și propuse, programele de contractare și subvenționare, bugetul estimat și sursele de finanțare, și se transmite consiliului județean înainte de aprobarea prin HCL"
    /// The strategies the plan follows.
    static let strategies = "Legea 292/2011, art. 112 alin. (3) lit. a) și art. 118 alin. (3); HG 797/2017, Anexa 3 art. 5 alin. (5): planul se elaborează în conformitate cu strategia de dezvoltare a serviciilor sociale proprie și cu cea a județului"
    /// Who is consulted.
    static let consultation = "Legea 292/2011, art. 112 alin. (3) lit. b): planul se elaborează cu consultarea furnizorilor publici și privați, a asociațiilor profesionale și a organizațiilor reprezentative ale beneficiarilor"
    /// The template itself.
    static let template = "Ordinul MMJS 1086/2018 privind aprobarea modelului-cadru al Planului anual de acțiune privind serviciile sociale"
    /// The nomenclator of services.
    static let nomenclator = "HG 867/2015 pentru aprobarea Nomenclatorului serviciilor sociale, cu modificările ulterioare (HG 584/2016, HG 1433/2022); codificarea este corelată cu CAEN Rev. 2"
    /// Benefits and services are two different things.
    static let benefits = "Legea 292/2011, art. 2 alin. (2): sistemul de asistență socială se compune din sistemul de beneficii de asistență socială și sistemul de servicii sociale; beneficiile (Legea 416/2001, Legea 196/2016, Legea 448/2006 ș.a.) nu se trec în Capitolul I"
    /// The framework regulation of the UAT's social assistance service.
    static let hg797 = "HG 797/2017 pentru aprobarea regulamentelor-cadru de organizare și funcționare ale serviciilor publice de asistență socială: Anexa 2 (direcții de asistență socială ale municipiilor și orașelor), Anexa 3 (compartimente/servicii ale comunelor)"
    /// How a local council adopts a decision.
    static let councilDecision = "OUG 57/2019 (Codul administrativ), art. 136 (inițierea proiectelor de hotărâre: referatul de aprobare al inițiatorului, raportul compartimentului de specialitate), art. 137–139 (cvorum, majoritate), art. 197–199 (comunicarea către prefect, publicarea)"
    /// The UAT list.
    static let siruta = "Nomenclatorul SIRUTA al Institutului Național de Statistică (cifra de control: DOMAIN.md)"
}
