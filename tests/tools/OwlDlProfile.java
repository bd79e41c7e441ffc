// OWL 2 DL profile check with the OWL API (the library ROBOT's validate-profile runs).
// Usage: java -cp "<owlapi and its dependency jars>" OwlDlProfile.java FILE...
// Prints one line per violation ("FILE<TAB>VIOLATION"), then "FILE<TAB>violations<TAB>N" per file.
// Exit code: 0 when every file is in the profile, 1 when some is not, 2 when a file cannot be loaded.
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class OwlDlProfile {
    public static void main(String[] args) throws Exception {
        int status = 0;
        for (String name : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntology ontology;
            try {
                ontology = manager.loadOntologyFromOntologyDocument(new File(name));
            } catch (Exception exc) {
                System.out.println(name + "\tload-error\t" + exc.getMessage().lines().findFirst().orElse(""));
                System.exit(2);
                return;
            }
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            for (OWLProfileViolation v : report.getViolations()) {
                System.out.println(name + "\t" + v.toString().replace('\n', ' '));
            }
            System.out.println(name + "\tviolations\t" + report.getViolations().size());
            System.out.println(name + "\taxioms\t" + ontology.getAxiomCount());
            if (!report.isInProfile()) {
                status = 1;
            }
        }
        System.exit(status);
    }
}
